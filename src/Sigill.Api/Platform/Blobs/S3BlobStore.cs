using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Platform.Blobs;

/// <summary>
/// Blobs in an S3-compatible bucket (one bucket per cell). PUT is atomic in S3. Two settings are
/// required for S3-compatible servers: path-style addressing, and no aws-chunked payload encoding
/// (AWSSDK.S3 4.x otherwise stores chunk-signature framing inside the object on some servers).
/// </summary>
internal sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly string _bucket;

    public S3BlobStore(BlobStoreOptions options)
    {
        _bucket = options.Bucket;
        Location = $"{options.ServiceUrl.TrimEnd('/')}/{options.Bucket}";
        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = options.SigningRegion,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 2,
            Timeout = options.Timeout,
        };
        _client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public string Location { get; }

    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        BlobKey.Validate(key);
        // The SDK needs a length; buffer unseekable input in a temp file rather than in memory.
        Stream body = content;
        FileStream? spool = null;
        try
        {
            if (!content.CanSeek)
            {
                spool = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
                await content.CopyToAsync(spool, cancellationToken);
                spool.Position = 0;
                body = spool;
            }
            await Call(() => _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _bucket,
                Key = key,
                InputStream = body,
                AutoCloseStream = false,
                UseChunkEncoding = false,
                DisablePayloadSigning = false,
            }, cancellationToken), cancellationToken);
        }
        finally
        {
            if (spool is not null)
            {
                await spool.DisposeAsync();
            }
        }
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        BlobKey.Validate(key);
        try
        {
            var response = await Call(() => _client.GetObjectAsync(_bucket, key, cancellationToken), cancellationToken);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        BlobKey.Validate(key);
        try
        {
            await Call(() => _client.GetObjectMetadataAsync(_bucket, key, cancellationToken), cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await Call(() => _client.DeleteObjectAsync(_bucket, key, cancellationToken), cancellationToken);
        return true;
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BlobKey.ValidatePrefix(prefix);
        string? continuation = null;
        do
        {
            var page = await Call(() => _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _bucket,
                Prefix = prefix,
                ContinuationToken = continuation,
            }, cancellationToken), cancellationToken);
            foreach (var o in page.S3Objects ?? [])
            {
                if (BlobKey.IsValid(o.Key)) // as the file store: a readiness probe or anything else not written as a blob is not one
                {
                    yield return o.Key;
                }
            }
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    /// <summary>
    /// Ready means the bucket takes a write, as for the file store: a probe object is put and deleted. Its key is not a
    /// valid blob key, so no listing ever returns it. (A one-key listing was the probe before; the test S3 server fails
    /// on it once keys nest at different depths, and it proved only that the bucket can be read.)
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var probe = ".ready-" + Guid.NewGuid().ToString("N");
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = probe, ContentBody = "", UseChunkEncoding = false }, cancellationToken);
        await _client.DeleteObjectAsync(_bucket, probe, cancellationToken);
    }

    /// <summary>
    /// One call to the bucket; a failure to reach it (refused, reset, timed out, or the server's own 5xx after the SDK's
    /// retries) becomes <see cref="BlobStoreUnavailableException"/>, which the API answers as <c>503 store_unavailable</c>.
    /// A refusal about the request itself (403, 404) stays as it is. A slow store shows as a cancellation the caller did
    /// not ask for: the SDK's HTTP client gave up after <see cref="BlobStoreOptions.Timeout"/>.
    /// </summary>
    private async Task<T> Call<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or TimeoutException or AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError }
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            || (e is AmazonClientException && e.InnerException is HttpRequestException or SocketException or TimeoutException))
        {
            throw new BlobStoreUnavailableException(Location, e);
        }
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>The blob store could not be reached: nothing was read or written; try again shortly.</summary>
internal sealed class BlobStoreUnavailableException(string location, Exception inner)
    : IOException($"The blob store at {location} did not answer.", inner);
