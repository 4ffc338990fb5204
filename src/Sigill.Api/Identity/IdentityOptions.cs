using Microsoft.Extensions.Configuration;

namespace Sigill.Api.Identity;

/// <summary>Accounts, sessions and throttling (<c>Identity:*</c>). Defaults follow OWASP ASVS level 2.</summary>
public sealed class IdentityOptions
{
    /// <summary>Base64 of the installation's directory key (at least 32 bytes); the web tier holds the same key.</summary>
    public string DirectoryKey { get; set; } = "";
    /// <summary>Whether anyone may sign up and create an organization; otherwise only invitations and setup create accounts.</summary>
    public bool OpenSignUp { get; set; } = true;
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
    public TimeSpan SessionAbsoluteTimeout { get; set; } = TimeSpan.FromHours(12);
    public TimeSpan ChallengeLifetime { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(7);
    /// <summary>Argon2id memory in KiB (OWASP minimum 19456) and passes.</summary>
    public int PasswordMemoryKiB { get; set; } = 19456;
    public int PasswordPasses { get; set; } = 2;
    /// <summary>Failed sign-ins per account (by e-mail, whether or not it exists) before it is throttled.</summary>
    public ThrottleRule AccountFailures { get; set; } = new(5, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(15));
    /// <summary>Failed sign-ins per client address before it is throttled.</summary>
    public ThrottleRule AddressFailures { get; set; } = new(20, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
    /// <summary>Wrong second-factor codes per account.</summary>
    public ThrottleRule CodeFailures { get; set; } = new(5, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(15));
    /// <summary>Sign-ups and invitation acceptances per client address.</summary>
    public ThrottleRule SignUps { get; set; } = new(10, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
    /// <summary>Single sign-on starts per client address (each stores a pending attempt).</summary>
    public ThrottleRule SsoStarts { get; set; } = new(30, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
    /// <summary>How long a person has at their identity provider before the single sign-on attempt expires.</summary>
    public TimeSpan SsoAttemptLifetime { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Longest support grant an organization admin can approve.</summary>
    public TimeSpan MaxSupportGrant { get; set; } = TimeSpan.FromHours(4);
    public TimeSpan BreakGlassGrant { get; set; } = TimeSpan.FromHours(1);

    public static IdentityOptions Bind(IConfiguration configuration)
    {
        var options = new IdentityOptions();
        configuration.GetSection("Identity").Bind(options);
        return options;
    }
}

public sealed class ThrottleRule
{
    public ThrottleRule()
    {
    }

    public ThrottleRule(int maxFailures, TimeSpan window, TimeSpan block) => (MaxFailures, Window, Block) = (maxFailures, window, block);

    public int MaxFailures { get; set; } = 5;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan Block { get; set; } = TimeSpan.FromMinutes(15);
}
