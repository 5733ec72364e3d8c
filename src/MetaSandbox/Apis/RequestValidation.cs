using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MultichannelMessages.MetaSandbox.Apis;

/// <summary>DataAnnotations on the control API's bodies, answered as a validation problem.</summary>
public static class RequestValidation
{
    public static ValidationProblem? Problem(object body)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(body, new ValidationContext(body), results, validateAllProperties: true))
            return null;
        var errors = results
            .SelectMany(r => (r.MemberNames.Any() ? r.MemberNames : [""]).Select(m => (Member: m, r.ErrorMessage)))
            .GroupBy(e => e.Member)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage ?? "invalid").ToArray());
        return TypedResults.ValidationProblem(errors);
    }

    public static ValidationProblem Problem(string member, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [member] = [message] });
}
