using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;

namespace MultichannelMessages.CoreApi.Access;

/// <summary>Publishes each operation's declared access as <c>x-permission</c>: the RBAC matrix test reads it, and an
/// operation without it fails that test.</summary>
public static class AccessOpenApi
{
    public const string Extension = "x-permission";

    public static OpenApiOptions AddAccessExtension(this OpenApiOptions options) =>
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequiredAccess>().LastOrDefault() is { } required)
            {
                operation.Extensions ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiExtension>();
                operation.Extensions[Extension] = new Microsoft.OpenApi.JsonNodeExtension(JsonValue.Create(required.Name));
            }
            return Task.CompletedTask;
        });
}
