namespace MultichannelMessages.WebhookApi.Tests;

public sealed class HealthTests : MultichannelMessages.TestSupport.ServiceHealthTests<Program>;
