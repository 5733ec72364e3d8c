using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Accounts;

/// <summary>
/// Meta's refusal of an account as the stable code the console translates (meta.reason.*), followed by what was being
/// done and Meta's own error: the same words whether validation or a send met it.
/// </summary>
public static class AccountReasons
{
    /// <summary>190 by subcode: 463 expired, 460 invalidated (password changed), 458 app not authorised; 467 (logged
    /// out) and the rest, refused.</summary>
    public static string Code(MetaError error) => error.Code switch
    {
        190 => error.Subcode switch
        {
            463 => "token_expired",
            460 => "token_invalidated",
            458 => "app_not_authorized",
            _ => "token_refused",
        },
        100 => "not_found_or_no_permission",
        10 or (>= 200 and < 300) => "permission_missing",
        _ => MetaErrorClassifier.Classify(error).Reason,
    };

    public static string Of(string doing, MetaError error) => $"{Code(error)}: {doing}: {error}";
}
