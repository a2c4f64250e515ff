using System.Diagnostics;

namespace AxWorkbench.Web.Tests.Security;

/// <summary>
/// The test slapd that tests/services.sh starts (`eval "$(tests/services.sh up slapd)"`; tests/run.sh does): its
/// addresses, accounts and CA from the AXWB_TEST_LDAP_* variables, and ldapmodify / stop / start for the tests that
/// change it. Without the variables the Ldap tests FAIL (they are not skipped), naming the variable and the command.
/// </summary>
public sealed class LdapDirectory
{
    public const string Variable = "AXWB_TEST_LDAP_URL";

    public static LdapDirectory FromEnvironment() => new();

    private LdapDirectory()
    {
        Url = new Uri(Get(Variable));
        LdapsUrl = new Uri(Get("AXWB_TEST_LDAPS_URL"));
        BaseDn = Get("AXWB_TEST_LDAP_BASE");
        CaFile = Get("AXWB_TEST_LDAP_CA");
        BindDn = Get("AXWB_TEST_LDAP_BIND_DN");
        BindPasswordFile = Get("AXWB_TEST_LDAP_BIND_PASSWORD_FILE");
        AdminDn = Get("AXWB_TEST_LDAP_ADMIN_DN");
        AdminPasswordFile = Get("AXWB_TEST_LDAP_ADMIN_PASSWORD_FILE");
        UserPassword = File.ReadAllText(Get("AXWB_TEST_LDAP_USER_PASSWORD_FILE")).Trim();
        PidFile = Get("AXWB_TEST_LDAP_PIDFILE");
        StartScript = Get("AXWB_TEST_LDAP_START");
    }

    public Uri Url { get; }

    public Uri LdapsUrl { get; }

    public string BaseDn { get; }

    public string CaFile { get; }

    public string BindDn { get; }

    public string BindPasswordFile { get; }

    public string AdminDn { get; }

    public string AdminPasswordFile { get; }

    /// <summary>Every test user's directory password.</summary>
    public string UserPassword { get; }

    public string PidFile { get; }

    public string StartScript { get; }

    public string People => $"ou=people,{BaseDn}";

    public string Group(string name) => $"cn={name},ou=groups,{BaseDn}";

    public string Person(string uid) => $"uid={uid},{People}";

    /// <summary>The workbench's settings for this directory (StartTLS, the test CA, groups → roles, employeeType / departmentNumber).</summary>
    public IEnumerable<string> AppSettings(int timeoutSeconds = 5) =>
    [
        "--Security:Directory:Enabled=true",
        $"--Security:Directory:Server={Url.Host}",
        $"--Security:Directory:Port={Url.Port}",
        "--Security:Directory:Security=StartTls",
        $"--Security:Directory:CaBundle={CaFile}",
        $"--Security:Directory:BindDn={BindDn}",
        $"--Security:Directory:BindPasswordFile={BindPasswordFile}",
        $"--Security:Directory:UserSearchBase={People}",
        $"--Security:Directory:GroupSearchBase=ou=groups,{BaseDn}",
        $"--Security:Directory:GroupRoles:0:Group={Group("analysts")}",
        "--Security:Directory:GroupRoles:0:Role=Analyst",
        $"--Security:Directory:GroupRoles:1:Group={Group("supervisors")}",
        "--Security:Directory:GroupRoles:1:Role=Supervisor",
        $"--Security:Directory:GroupRoles:2:Group={Group("admins")}",
        "--Security:Directory:GroupRoles:2:Role=Admin",
        "--Security:Directory:ClearanceAttribute=employeeType",
        "--Security:Directory:UnitAttribute=departmentNumber",
        "--Security:Directory:DisabledFilter=(shadowExpire=0)",
        $"--Security:Directory:TimeoutSeconds={timeoutSeconds}",
    ];

    /// <summary>Changes the tree as the directory's admin (ldapmodify over StartTLS).</summary>
    public Task ModifyAsync(string ldif) =>
        RunAsync("ldapmodify", ldif, "-x", "-ZZ", "-H", Url.ToString(), "-D", AdminDn, "-y", AdminPasswordFile);

    /// <summary>Stops slapd (as a crash or an outage would) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        var pid = int.Parse(File.ReadAllText(PidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var slapd = Process.GetProcessById(pid);
        slapd.Kill();
        await slapd.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Starts it again on the same ports with the same data; returns once it answers.</summary>
    public Task StartAsync() => RunAsync(StartScript, null);

    private async Task RunAsync(string file, string? input, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["LDAPTLS_CACERT"] = CaFile, ["PATH"] = Environment.GetEnvironmentVariable("PATH") + ":/usr/sbin" },
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await output}{await error}");
        }
    }

    private static string Get(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set: the Ldap tests need the test OpenLDAP server. Run `eval \"$(tests/services.sh up slapd)\"` " +
                "first (tests/run.sh does), or leave them out with --filter \"FullyQualifiedName!~Ldap\".");
}
