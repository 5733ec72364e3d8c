using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.CoreApi.Calls;

/// <summary>Section <c>Calls</c> of the Core API (docs/calls.md, "Core API").</summary>
public sealed class CallsOptions
{
    public const string Section = "Calls";

    /// <summary>A stored call permission older than this (since Meta was last asked, or the customer's reply) is read
    /// again from Meta when a console shows it. Meta allows 100 lookups a second per number; a day keeps them rare.</summary>
    [Range(1, 60 * 24 * 30)]
    public int PermissionMaxAgeMinutes { get; set; } = 60 * 24;
}
