namespace MultichannelMessages.Front.Tests;

public sealed class HealthTests : MultichannelMessages.TestSupport.ServiceHealthTests<Program>;
