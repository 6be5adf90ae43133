import MailTLSCore

/// What an upstream reply means for a message: delivered, try again, or give up. 2xx delivered, 4xx later, 5xx
/// never, except the replies that say the relay's own set-up is wrong (its login, its sender address): the message
/// is fine, so it waits for the admin's fix instead of bouncing at once, until the give-up time.
public enum ReplyVerdict {
    public static func verdict(for response: MailResponse) -> AttemptResult.Verdict {
        switch response.outcome {
        case .positive: return .delivered
        case .intermediate, .transientFailure, .bye: return .deferred
        case .permanentFailure: return isSetupProblem(response) ? .deferred : .failed
        }
    }

    /// Replies about the relay's account or sender, not about the message or the recipient.
    public static func isSetupProblem(_ response: MailResponse) -> Bool {
        let code = response.code ?? ""
        let enhanced = response.enhancedCode ?? ""
        // Not logged in, login refused, a mechanism or encryption the server wants.
        if ["530", "534", "535", "538"].contains(code) { return true }
        // Microsoft 365: basic authentication retired (5.7.30), client not authenticated (5.7.57), SMTP AUTH off for
        // the tenant (5.7.139), SendAs denied (5.2.252), sender not allowed for the account (5.7.60, 5.7.708).
        if ["5.7.30", "5.7.57", "5.7.139", "5.2.252", "5.7.60", "5.7.708"].contains(enhanced) { return true }
        return response.statusLine.contains("SendAsDenied")
    }

    /// A reply as one printable line: `550 5.7.30 Basic authentication is not supported...`, several lines joined.
    public static func text(_ response: MailResponse) -> String {
        String(response.lines.joined(separator: " / ").peerSafe.prefix(400))
    }
}
