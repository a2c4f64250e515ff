using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Security;

/// <summary>
/// Loads the certificates a site keeps in files; every problem stops the start with a message that names the setting
/// and the file (<see cref="OptionsValidationException"/>, reported by the shell's start-up errors).
/// </summary>
public static class SiteCertificateFiles
{
    /// <summary>A certificate with its private key: PFX/P12, or PEM with the key in <paramref name="keyPath"/> or in the same file.</summary>
    public static X509Certificate2 LoadWithKey(string setting, string path, string? keyPath, string? password, TimeProvider time)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw Invalid(setting, $"{setting}: the file '{full}' does not exist.");
        }
        if (keyPath is not null && !File.Exists(Path.GetFullPath(keyPath)))
        {
            throw Invalid(setting, $"{setting}: the key file '{Path.GetFullPath(keyPath)}' (KeyPath) does not exist.");
        }
        X509Certificate2 certificate;
        try
        {
            var extension = Path.GetExtension(full).ToLowerInvariant();
            certificate = extension is ".pfx" or ".p12"
                ? X509CertificateLoader.LoadPkcs12FromFile(full, password, X509KeyStorageFlags.EphemeralKeySet)
                : string.IsNullOrEmpty(password)
                    ? X509Certificate2.CreateFromPemFile(full, keyPath is null ? null : Path.GetFullPath(keyPath))
                    : X509Certificate2.CreateFromEncryptedPemFile(full, password, keyPath is null ? null : Path.GetFullPath(keyPath));
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw Invalid(setting, $"{setting}: '{full}' could not be read as a certificate with its private key ({ex.Message.TrimEnd('.')}). " +
                "Give a .pfx/.p12 with its password, or a PEM certificate with KeyPath naming its PEM key.");
        }
        if (!certificate.HasPrivateKey)
        {
            throw Invalid(setting, $"{setting}: '{full}' holds no private key; give the PFX with its key, or KeyPath.");
        }
        var now = time.GetLocalNow().DateTime;
        if (now > certificate.NotAfter || now < certificate.NotBefore)
        {
            throw Invalid(setting, $"{setting}: the certificate '{certificate.Subject}' in '{full}' is valid only from {certificate.NotBefore:u} to {certificate.NotAfter:u}.");
        }
        return certificate;
    }

    /// <summary>Every certificate in a PEM bundle (or a single DER file).</summary>
    public static X509Certificate2Collection LoadBundle(string setting, string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw Invalid(setting, $"{setting}: the file '{full}' does not exist.");
        }
        var bundle = new X509Certificate2Collection();
        try
        {
            var text = File.ReadAllText(full);
            if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                bundle.ImportFromPem(text);
            }
            else
            {
                bundle.Add(X509CertificateLoader.LoadCertificateFromFile(full));
            }
        }
        catch (CryptographicException ex)
        {
            throw Invalid(setting, $"{setting}: '{full}' is not a PEM bundle or DER certificate ({ex.Message.TrimEnd('.')}).");
        }
        if (bundle.Count == 0)
        {
            throw Invalid(setting, $"{setting}: '{full}' holds no certificate.");
        }
        return bundle;
    }

    private static OptionsValidationException Invalid(string setting, string message) =>
        new(setting, typeof(SiteCertificateFiles), [message]);
}
