using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Security;

/// <summary>Why a client certificate was refused (the page and the audit record name it).</summary>
public enum CertificateRefusal
{
    None,
    NoCertificate,
    Expired,
    Untrusted,
    Revoked,
    RevocationUnknown,
    Unmapped,
    Ambiguous,
    AccountDisabled,
    PasswordOnly,
}

public sealed record CertificateVerdict(CertificateRefusal Refusal, string Detail)
{
    public static CertificateVerdict Accepted { get; } = new(CertificateRefusal.None, "");

    public bool IsAccepted => Refusal == CertificateRefusal.None;
}

/// <summary>
/// The site's CAs (from the PEM bundle) and CRLs (from the folder, read again when a file changes): a client
/// certificate is accepted when it is within its dates, chains to one of the site's roots without any online lookup,
/// and neither it nor any CA above it is on a current CRL signed by its issuer.
/// </summary>
public sealed partial class SiteTrust
{
    private readonly CertificateLoginOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SiteTrust> _logger;
    private readonly Lock _gate = new();
    private string _crlStamp = "";
    private IReadOnlyList<RevocationList> _crls = [];

    public SiteTrust(IOptions<CertificateLoginOptions> options, TimeProvider time, ILogger<SiteTrust> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        if (!_options.Enabled)
        {
            return;
        }
        (Roots, Intermediates) = LoadCas(_options);
    }

    /// <summary>Checks the settings and reads the CA bundle; a problem stops the start with a message naming the setting.</summary>
    public static (X509Certificate2Collection Roots, X509Certificate2Collection Intermediates) LoadCas(CertificateLoginOptions options)
    {
        var roots = new X509Certificate2Collection();
        var intermediates = new X509Certificate2Collection();
        if (string.IsNullOrWhiteSpace(options.CaBundlePath))
        {
            throw Invalid("Security:Certificates:CaBundlePath is required when Security:Certificates:Mode is " + options.Mode + ".");
        }
        if (string.IsNullOrWhiteSpace(options.CrlDirectory) || !Directory.Exists(options.CrlDirectory))
        {
            throw Invalid($"Security:Certificates:CrlDirectory must name an existing folder of CRL files when Security:Certificates:Mode is {options.Mode} (now '{options.CrlDirectory}').");
        }
        var bundle = SiteCertificateFiles.LoadBundle("Security:Certificates:CaBundlePath", options.CaBundlePath);
        foreach (var certificate in bundle)
        {
            (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) ? roots : intermediates).Add(certificate);
        }
        if (roots.Count == 0)
        {
            throw Invalid($"Security:Certificates:CaBundlePath: '{options.CaBundlePath}' holds no root (self-signed) CA certificate.");
        }
        return (roots, intermediates);
    }

    public X509Certificate2Collection Roots { get; } = [];

    public X509Certificate2Collection Intermediates { get; } = [];

    /// <summary>The whole check, for the page and the audit record (the authentication handler makes the same decision).</summary>
    public CertificateVerdict Validate(X509Certificate2 certificate)
    {
        var now = _time.GetLocalNow().DateTime;
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            return new(CertificateRefusal.Expired, $"valid from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}");
        }
        using var chain = BuildChain();
        if (!chain.Build(certificate))
        {
            var statuses = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
            return new(CertificateRefusal.Untrusted, $"the chain does not end at a CA in the site's bundle ({string.Join(", ", statuses)})");
        }
        return CheckRevocation(chain);
    }

    /// <summary>Revocation only (the chain is already trusted): used by the certificate authentication handler.</summary>
    public CertificateVerdict CheckRevocation(X509Certificate2 certificate)
    {
        using var chain = BuildChain();
        return chain.Build(certificate) ? CheckRevocation(chain) : new(CertificateRefusal.Untrusted, "the chain does not end at a CA in the site's bundle");
    }

    private X509Chain BuildChain()
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Roots);
        chain.ChainPolicy.ExtraStore.AddRange(Intermediates);
        // Revocation is checked below against the CRL folder; the chain builder never goes online.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = _time.GetLocalNow().DateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2")); // clientAuth
        return chain;
    }

    private CertificateVerdict CheckRevocation(X509Chain chain)
    {
        var crls = CurrentCrls();
        var now = _time.GetUtcNow();
        for (var i = 0; i < chain.ChainElements.Count - 1; i++)
        {
            var subject = chain.ChainElements[i].Certificate;
            var issuer = chain.ChainElements[i + 1].Certificate;
            var crl = crls.Where(c => c.IsSignedBy(issuer)).MaxBy(c => c.ThisUpdate);
            if (crl is null || (crl.NextUpdate is { } next && next < now))
            {
                if (_options.RequireCrl)
                {
                    return new(CertificateRefusal.RevocationUnknown, crl is null
                        ? $"no CRL from '{issuer.Subject}' in the CRL folder"
                        : $"the CRL from '{issuer.Subject}' expired at {crl.NextUpdate:u}; the CRL folder needs refreshing");
                }
                continue;
            }
            if (crl.RevokedSerials.Contains(subject.SerialNumber))
            {
                return new(CertificateRefusal.Revoked, $"'{subject.Subject}' (serial {subject.SerialNumber}) is on the CRL of '{issuer.Subject}' of {crl.ThisUpdate:u}");
            }
        }
        return CertificateVerdict.Accepted;
    }

    private IReadOnlyList<RevocationList> CurrentCrls()
    {
        var files = Directory.EnumerateFiles(_options.CrlDirectory!).Where(f => f.EndsWith(".crl", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".pem", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).Select(f => new FileInfo(f)).ToList();
        var stamp = string.Join('|', files.Select(f => $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));
        lock (_gate)
        {
            if (stamp == _crlStamp)
            {
                return _crls;
            }
            var lists = new List<RevocationList>();
            foreach (var file in files)
            {
                try
                {
                    lists.Add(RevocationList.Load(File.ReadAllBytes(file.FullName)));
                }
                catch (Exception ex) when (ex is CryptographicException or IOException)
                {
                    LogBadCrl(_logger, file.FullName, ex.Message);
                }
            }
            LogCrlsLoaded(_logger, lists.Count, _options.CrlDirectory!);
            _crlStamp = stamp;
            _crls = lists;
            return lists;
        }
    }

    private static OptionsValidationException Invalid(string message) => new(CertificateLoginOptions.SectionName, typeof(CertificateLoginOptions), [message]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CRL file {File} was skipped: {Reason}")]
    private static partial void LogBadCrl(ILogger logger, string file, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} CRLs read from {Folder}")]
    private static partial void LogCrlsLoaded(ILogger logger, int count, string folder);
}
