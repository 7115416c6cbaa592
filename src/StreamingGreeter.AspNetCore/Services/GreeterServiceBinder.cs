using Grpc.Core;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// Binds <see cref="GreeterServiceBase"/>: the generated <see cref="Greeter.BindService(ServiceBinderBase, Greeter.GreeterBase)"/>
/// declares every method, and this binder passes each on unchanged, except that a method answering with
/// <see cref="ChatEvent"/>s is bound to <see cref="EncodedChatEvent"/> with <see cref="ChatEventMarshaller"/>.
/// </summary>
/// <remarks>
/// grpc-dotnet (the gRPC endpoints, JSON transcoding, reflection) calls the bind method with no service instance and
/// resolves each handler on the service type by the method's name, and reads the service's descriptor from
/// <see cref="Descriptor"/> on the bind type. A method added to greeter.proto but not to <see cref="GreeterServiceBase"/>
/// fails the mapping at startup rather than going unserved.
/// </remarks>
internal sealed class GreeterServiceBinder(ServiceBinderBase inner) : ServiceBinderBase
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => Greeter.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, GreeterServiceBase? serviceImpl)
    {
        ArgumentNullException.ThrowIfNull(serviceBinder);
        if (serviceImpl is not null)
        {
            throw new NotSupportedException("GreeterServiceBase is bound by grpc-dotnet, which resolves the handlers itself; pass no service instance");
        }

        Greeter.BindService(new GreeterServiceBinder(serviceBinder), serviceImpl: null);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        if (typeof(TResponse) == typeof(ChatEvent))
        {
            inner.AddMethod(PreEncoded(method), (UnaryServerMethod<TRequest, EncodedChatEvent>?)null);
            return;
        }

        inner.AddMethod(method, handler);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (typeof(TResponse) == typeof(ChatEvent))
        {
            inner.AddMethod(PreEncoded(method), (ClientStreamingServerMethod<TRequest, EncodedChatEvent>?)null);
            return;
        }

        inner.AddMethod(method, handler);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (typeof(TResponse) == typeof(ChatEvent))
        {
            inner.AddMethod(PreEncoded(method), (ServerStreamingServerMethod<TRequest, EncodedChatEvent>?)null);
            return;
        }

        inner.AddMethod(method, handler);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (typeof(TResponse) == typeof(ChatEvent))
        {
            inner.AddMethod(PreEncoded(method), (DuplexStreamingServerMethod<TRequest, EncodedChatEvent>?)null);
            return;
        }

        inner.AddMethod(method, handler);
    }

    /// <summary>The same method (type, service, name, request marshaller), its responses written by <see cref="ChatEventMarshaller"/>.</summary>
    private static Method<TRequest, EncodedChatEvent> PreEncoded<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class =>
        new(method.Type, method.ServiceName, method.Name, method.RequestMarshaller, ChatEventMarshaller.Instance);
}
