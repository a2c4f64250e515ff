namespace AxWorkbench.Web;

/// <summary>Marker type for the UI strings in Resources/SharedResource(.ko).resx.</summary>
public sealed class SharedResource;
