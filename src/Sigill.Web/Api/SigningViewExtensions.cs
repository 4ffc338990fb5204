namespace Sigill.Web.Api;

internal static class SigningViewExtensions
{
    extension(SigningView view)
    {
        /// <summary>The link needs a step-up first: until then the API leaves out the title, pages and fields.</summary>
        public bool NeedsStepUp => view.StepUp is not null && !view.StepUpPassed;
    }
}
