namespace StreamingGreeter.AspNetCore.Security;

/// <summary>Registered by <c>AddJwtAuthentication()</c>, so validation can tell when Auth:Mode is Jwt without it.</summary>
internal sealed class JwtAuthenticationMarker;
