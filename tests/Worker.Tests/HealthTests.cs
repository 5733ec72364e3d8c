namespace MultichannelMessages.Worker.Tests;

public sealed class HealthTests : MultichannelMessages.TestSupport.ServiceHealthTests<Program>;
