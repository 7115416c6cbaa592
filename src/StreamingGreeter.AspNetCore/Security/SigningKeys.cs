using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace StreamingGreeter.AspNetCore.Security;

/// <summary>The key that verifies tokens, from Auth:SigningKey (HMAC) or Auth:SigningKeyFile (RSA or ECDSA public key, PEM).</summary>
internal static class SigningKeys
{
    public static SecurityKey Load(GreeterAuthOptions options)
    {
        if (!string.IsNullOrEmpty(options.SigningKey))
        {
            return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey));
        }

        var path = Path.GetFullPath(options.SigningKeyFile ?? throw new InvalidOperationException("no signing key configured (Auth:SigningKey or Auth:SigningKeyFile)"));
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Auth:SigningKeyFile \"{path}\" cannot be read: {error.Message}", error);
        }

        return FromPem(pem, path);
    }

    /// <summary>
    /// The algorithms a token may name for this key. Pinning them by key type means a token cannot pick an algorithm the
    /// key was not meant for (an RSA public key used as an HMAC secret, say).
    /// </summary>
    public static string[] Algorithms(SecurityKey key) => key switch
    {
        SymmetricSecurityKey => [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512],
        RsaSecurityKey =>
        [
            SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
            SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        ],
        ECDsaSecurityKey => [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512],
        _ => [],
    };

    private static SecurityKey FromPem(string pem, string path)
    {
        // The PEM label says which kind of key it is only for PKCS#1 and SEC1; a SubjectPublicKeyInfo names it inside.
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }
        catch (Exception error) when (error is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
            return new ECDsaSecurityKey(ecdsa);
        }
        catch (Exception error) when (error is ArgumentException or CryptographicException)
        {
            ecdsa.Dispose();
        }

        throw new InvalidOperationException(
            $"Auth:SigningKeyFile \"{path}\" holds no RSA or ECDSA key in PEM (-----BEGIN PUBLIC KEY----- …); an HMAC secret goes in Auth:SigningKey");
    }
}
