using System.Net;
using System.Text.RegularExpressions;
using AxWorkbench.Web.Cli;
using AxWorkbench.Web.Tests.Hosting;

namespace AxWorkbench.Web.Tests.Security;

/// <summary>
/// The real app (a Kestrel process on a free loopback port) with Security:Directory pointing at the test slapd, a
/// revalidation every second, and a local break-glass administrator made with `users add` before the start.
/// </summary>
public sealed partial class LdapApp : IAsyncLifetime
{
    public const string BreakGlassUser = "root";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "axwb-ldap-tests", Guid.NewGuid().ToString("N"));
    private AppProcess? _process;

    public LdapDirectory Directory { get; } = LdapDirectory.FromEnvironment();

    public Uri Address { get; private set; } = null!;

    public string BreakGlassPassword { get; private set; } = "";

    public string DatabaseFile => Path.Combine(_data, "axworkbench.db");

    public string Output => _process?.Output ?? "";

    private Dictionary<string, string?> CliSettings => new() { ["Data:DataDirectory"] = _data, ["Markings:Scheme"] = "Us", ["Demo:Enabled"] = "false" };

    /// <summary>An operator command on the app's data folder (in this process), e.g. `users list`.</summary>
    public async Task<string> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await OperatorCli.RunAsync(args, output, error, CliSettings);
        Assert.True(exit == 0, $"{string.Join(' ', args)} exited {exit}: {error}");
        return output.ToString();
    }

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_data);
        var added = await CliAsync("users", "add", BreakGlassUser, "--role", "Admin", "--clearance", "SECRET", "--unit", "Operations");
        BreakGlassPassword = Regex.Match(added, @"Password \(shown once\): (\S+)").Groups[1].Value;
        _process = AppProcess.Start(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" },
        [
            $"--Data:DataDirectory={_data}", "--Markings:Scheme=Us", "--Demo:Enabled=false",
            "--Security:RevalidationIntervalSeconds=1",
            .. Directory.AppSettings(),
        ]);
        Address = await _process.WaitUntilListeningAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        try
        {
            System.IO.Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with the temp folder.
        }
    }

    public Browser NewBrowser() => new(Address);

    /// <summary>A cookie-keeping HTTP client that posts the real consent and login forms (antiforgery tokens included).</summary>
    public sealed partial class Browser(Uri address) : IDisposable
    {
        private readonly HttpClient _http = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = address };

        /// <summary>Accepts the consent banner and posts the login form: null when signed in, else the page's error text.</summary>
        public async Task<string?> SignInAsync(string userName, string password)
        {
            var page = await GetTextAsync("/account/login");
            if (page.Contains("id=\"consent-accept\"", StringComparison.Ordinal))
            {
                page = await PostAsync("/account/login", "consent", Token(page), []);
            }
            var response = await _http.PostAsync("/account/login", Form("login", Token(page), [new("Form.UserName", userName), new("Form.Password", password)]));
            if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther)
            {
                return null;
            }
            var body = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
            var at = body.IndexOf("data-testid=\"login-error\"", StringComparison.Ordinal);
            at = at < 0 ? at : body.LastIndexOf('<', at);
            return at < 0
                ? $"(no error shown; HTTP {(int)response.StatusCode})"
                : Regex.Replace(body.Substring(at, Math.Min(1500, body.Length - at)), "<[^>]+>", " ").Split("User name")[0].Split("Password")[0].Trim();
        }

        /// <summary>The status of a GET, with where a redirect goes ("/account/login", "/account/access-denied"...).</summary>
        public async Task<(HttpStatusCode Status, string? Location)> GetAsync(string path)
        {
            using var response = await _http.GetAsync(path);
            return (response.StatusCode, response.Headers.Location?.AbsolutePath ?? response.Headers.Location?.OriginalString);
        }

        private async Task<string> GetTextAsync(string path) => await (await _http.GetAsync(path)).Content.ReadAsStringAsync();

        private async Task<string> PostAsync(string path, string handler, string token, KeyValuePair<string, string>[] fields) =>
            await (await _http.PostAsync(path, Form(handler, token, fields))).Content.ReadAsStringAsync();

        private static FormUrlEncodedContent Form(string handler, string token, KeyValuePair<string, string>[] fields) =>
            new([new("_handler", handler), new("__RequestVerificationToken", token), .. fields]);

        private static string Token(string page) =>
            AntiforgeryToken().Match(page) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("No antiforgery token on the page:\n" + page);

        [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
        private static partial Regex AntiforgeryToken();

        public void Dispose() => _http.Dispose();
    }
}
