namespace MultichannelMessages.CoreApi.Tests;

public sealed class HealthTests : MultichannelMessages.TestSupport.ServiceHealthTests<Program>;
