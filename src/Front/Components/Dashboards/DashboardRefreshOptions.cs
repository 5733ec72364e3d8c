using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Front.Components.Dashboards;

/// <summary>How often a dashboard group changed by the live feed is read again (<see cref="RefreshThrottle"/>).</summary>
public sealed class DashboardRefreshOptions
{
    public const string Section = "Dashboards";

    /// <summary>A minute by default: the figures follow the feed "within a minute" without a read per event. The browser
    /// tests lower it so the live check does not wait out a whole minute.</summary>
    [Range(1, 3600, ErrorMessage = "Dashboards:RefreshSeconds must be between 1 and 3600.")]
    public int RefreshSeconds { get; set; } = 60;
}
