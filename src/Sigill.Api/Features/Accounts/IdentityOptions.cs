using Sigill.Http;


namespace Sigill.Api.Features.Accounts;

/// <summary>Accounts, sessions and throttling (<c>Identity:*</c>). Defaults follow OWASP ASVS level 2.</summary>
public sealed class IdentityOptions : IValidatedOptions
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
    /// <summary>How sign-in, sign-up and second-factor attempts are slowed (ADR 0011).</summary>
    public ThrottleOptions Throttling { get; set; } = new();
    /// <summary>How long a sign-up's e-mailed link works.</summary>
    public TimeSpan SignUpLinkLifetime { get; set; } = TimeSpan.FromHours(24);
    /// <summary>How long a password reset's e-mailed link works.</summary>
    public TimeSpan PasswordResetLinkLifetime { get; set; } = TimeSpan.FromMinutes(30);
    /// <summary>How long a person has at their identity provider before the single sign-on attempt expires.</summary>
    public TimeSpan SsoAttemptLifetime { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Longest support grant an organization admin can approve.</summary>
    public TimeSpan MaxSupportGrant { get; set; } = TimeSpan.FromHours(4);
    public TimeSpan BreakGlassGrant { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The key's shape is checked with the tier's options (<c>Identity:DirectoryKey</c>); here the durations and costs.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var (name, value) in new[]
        {
            ("SessionIdleTimeout", SessionIdleTimeout), ("SessionAbsoluteTimeout", SessionAbsoluteTimeout), ("ChallengeLifetime", ChallengeLifetime),
            ("InvitationLifetime", InvitationLifetime), ("SignUpLinkLifetime", SignUpLinkLifetime), ("PasswordResetLinkLifetime", PasswordResetLinkLifetime), ("SsoAttemptLifetime", SsoAttemptLifetime),
            ("MaxSupportGrant", MaxSupportGrant), ("BreakGlassGrant", BreakGlassGrant), ("Throttling:KnownSourceLifetime", Throttling.KnownSourceLifetime),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"Identity:{name} must be positive");
            }
        }
        if (SessionAbsoluteTimeout < SessionIdleTimeout)
        {
            problems.Add("Identity:SessionAbsoluteTimeout must be at least Identity:SessionIdleTimeout");
        }
        // Below OWASP's Argon2id minimum a stolen hash table is cheap to crack; the cap keeps one sign-in from exhausting memory.
        if (PasswordMemoryKiB is < 19456 or > 4 * 1024 * 1024)
        {
            problems.Add("Identity:PasswordMemoryKiB must be 19456-4194304 (OWASP's Argon2id minimum is 19456)");
        }
        if (PasswordPasses is < 1 or > 100)
        {
            problems.Add("Identity:PasswordPasses must be 1-100");
        }
        foreach (var (name, rule) in new[]
        {
            ("PasswordPerSource", Throttling.PasswordPerSource), ("PasswordPerAccount", Throttling.PasswordPerAccount),
            ("CodesPerSource", Throttling.CodesPerSource), ("CodesPerAccount", Throttling.CodesPerAccount),
            ("SignInsPerSource", Throttling.SignInsPerSource), ("InvitationsPerSource", Throttling.InvitationsPerSource),
            ("SignUpsPerSource", Throttling.SignUpsPerSource), ("SignUpMailsPerAddress", Throttling.SignUpMailsPerAddress),
            ("SignUpLinksPerSource", Throttling.SignUpLinksPerSource), ("SsoStartsPerSource", Throttling.SsoStartsPerSource),
            ("PasswordResetsPerSource", Throttling.PasswordResetsPerSource), ("PasswordResetMailsPerAddress", Throttling.PasswordResetMailsPerAddress),
            ("PrivacyRequestsPerSource", Throttling.PrivacyRequestsPerSource), ("PrivacyRequestMailsPerAddress", Throttling.PrivacyRequestMailsPerAddress),
        })
        {
            if (rule.Burst < 0 || rule.First <= TimeSpan.Zero || rule.Cap < rule.First || rule.Forget <= TimeSpan.Zero)
            {
                problems.Add($"Identity:Throttling:{name} needs Burst of at least 0, a positive First, Cap at least First and a positive Forget");
            }
        }
        return problems;
    }
}

/// <summary>
/// The counters of ADR 0011 and their defaults. Each is a <see cref="BackoffRule"/>: so many attempts at once, then a
/// delay that doubles with every further attempt up to a cap, forgotten after a quiet spell. None is a lock an
/// attacker can renew for long: the longest delay any counter imposes is its cap.
/// </summary>
public sealed class ThrottleOptions
{
    /// <summary>Wrong passwords for one account from one source (client address; IPv6 by /64), whichever route checked them.</summary>
    public BackoffRule PasswordPerSource { get; set; } = new(3, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15), TimeSpan.FromDays(1));
    /// <summary>Wrong passwords for one account from sources it has never signed in from: the account's ceiling, a slowing only.</summary>
    public BackoffRule PasswordPerAccount { get; set; } = new(10, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), TimeSpan.FromDays(1));
    /// <summary>Wrong second-factor codes for one account from one source.</summary>
    public BackoffRule CodesPerSource { get; set; } = new(3, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15), TimeSpan.FromDays(1));
    /// <summary>Wrong second-factor codes for one account from sources it has never signed in from.</summary>
    public BackoffRule CodesPerAccount { get; set; } = new(10, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), TimeSpan.FromDays(1));
    /// <summary>Password sign-ins from one source, any account (credential stuffing); successes are given back.</summary>
    public BackoffRule SignInsPerSource { get; set; } = new(20, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1));
    /// <summary>Invitation acceptances from one source; successes are given back.</summary>
    public BackoffRule InvitationsPerSource { get; set; } = new(10, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromHours(1));
    /// <summary>Sign-ups from one source: every one counts.</summary>
    public BackoffRule SignUpsPerSource { get; set; } = new(10, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromHours(1));
    /// <summary>Sign-up e-mails to one address: beyond it sign-up still answers the same, but sends nothing (no mail bombing).</summary>
    public BackoffRule SignUpMailsPerAddress { get; set; } = new(3, TimeSpan.FromMinutes(20), TimeSpan.FromHours(1), TimeSpan.FromDays(1));
    /// <summary>Sign-up links followed from one source; successes are given back.</summary>
    public BackoffRule SignUpLinksPerSource { get; set; } = new(20, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1));
    /// <summary>Password-reset requests and reset links followed from one source: every one counts.</summary>
    public BackoffRule PasswordResetsPerSource { get; set; } = new(10, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromHours(1));
    /// <summary>Reset e-mails to one account: beyond it a request still answers the same, but sends nothing (no mail bombing).</summary>
    public BackoffRule PasswordResetMailsPerAddress { get; set; } = new(3, TimeSpan.FromMinutes(20), TimeSpan.FromHours(1), TimeSpan.FromDays(1));
    /// <summary>Privacy-request submissions and confirmation links followed from one source: every one counts.</summary>
    public BackoffRule PrivacyRequestsPerSource { get; set; } = new(10, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromHours(1));
    /// <summary>Privacy-request confirmation e-mails to one address: beyond it the form still answers the same, but sends nothing.</summary>
    public BackoffRule PrivacyRequestMailsPerAddress { get; set; } = new(3, TimeSpan.FromMinutes(20), TimeSpan.FromHours(1), TimeSpan.FromDays(1));
    /// <summary>Single sign-on starts from one source (each stores a pending attempt): every one counts.</summary>
    public BackoffRule SsoStartsPerSource { get; set; } = new(30, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1));
    /// <summary>How long a source an account signed in from stays exempt from that account's ceiling.</summary>
    public TimeSpan KnownSourceLifetime { get; set; } = TimeSpan.FromDays(90);
}

/// <summary>
/// Exponential back-off for one counter: <see cref="Burst"/> attempts pass at once; after the n-th attempt beyond that
/// the next waits <see cref="First"/>·2ⁿ⁻¹, at most <see cref="Cap"/>. A counter untouched for <see cref="Forget"/>
/// starts again at zero.
/// </summary>
public sealed class BackoffRule
{
    public BackoffRule()
    {
    }

    public BackoffRule(int burst, TimeSpan first, TimeSpan cap, TimeSpan forget) => (Burst, First, Cap, Forget) = (burst, first, cap, forget);

    public int Burst { get; set; } = 5;
    public TimeSpan First { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan Cap { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan Forget { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The wait before the attempt after the <paramref name="count"/>-th.</summary>
    public TimeSpan DelayAfter(int count)
    {
        if (count < Burst)
        {
            return TimeSpan.Zero;
        }
        var doublings = Math.Min(count - Burst, 30);
        var delay = First * Math.Pow(2, doublings);
        return delay < Cap ? delay : Cap;
    }
}
