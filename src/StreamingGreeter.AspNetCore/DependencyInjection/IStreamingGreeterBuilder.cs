namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Returned by <c>AddStreamingGreeter</c> to configure the Greeter service further.</summary>
public interface IStreamingGreeterBuilder
{
    /// <summary>The application's services.</summary>
    IServiceCollection Services { get; }
}
