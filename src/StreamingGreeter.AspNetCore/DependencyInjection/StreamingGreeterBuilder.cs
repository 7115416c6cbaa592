namespace Microsoft.Extensions.DependencyInjection;

internal sealed class StreamingGreeterBuilder(IServiceCollection services) : IStreamingGreeterBuilder
{
    public IServiceCollection Services { get; } = services;
}
