namespace AxWorkbench.Web.Shell;

/// <summary>Dark mode for this circuit.</summary>
public sealed class ThemeState
{
    public bool IsDarkMode { get; private set; }

    public event Action? Changed;

    public void Toggle()
    {
        IsDarkMode = !IsDarkMode;
        Changed?.Invoke();
    }
}
