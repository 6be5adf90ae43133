import Foundation
import MailTLSCore

/// A token endpoint's JSON reply (RFC 6749 section 5.1 and 5.2): the access token, its lifetime and a rotated
/// refresh token, or the error the provider names. The endpoint is a peer: every field is bounded and checked, and
/// its error text is escaped.
public struct OAuthTokenReply: Equatable, Sendable {
    public var accessToken: String
    public var expiresIn: Double
    public var refreshToken: String?

    public init(accessToken: String, expiresIn: Double, refreshToken: String?) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
    }

    /// Why there is no usable token: the endpoint's own refusal, or a reply without a token mailtls could use.
    public enum Refusal: Error, Equatable, Sendable {
        /// The endpoint's error code and description (`invalid_client: AADSTS7000215: ...`), escaped, or its HTTP
        /// status when it named no error.
        case refused(String)
        /// A success without an access token that fits an AUTH line (missing, empty, too long, not printable).
        case noUsableToken

        /// In a few words, in English.
        public var reason: String {
            switch self {
            case .refused(let words): words
            case .noUsableToken: "the reply has no usable access_token"
            }
        }
    }

    /// Tokens longer than this are refused (Entra ID's are 1,500 to 3,000 characters).
    static let maximumTokenLength = 16 << 10

    public static func parse(status: Int, body: [UInt8]) throws(Refusal) -> OAuthTokenReply {
        let object = body.count <= 1 << 20 ? (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] : nil
        guard (200..<300).contains(status) else {
            let error = (object?["error"] as? String).map { String($0.peerSafe.prefix(80)) } ?? "HTTP \(status)"
            let detail = (object?["error_description"] as? String).map { ": " + String($0.peerSafe.prefix(200)) } ?? ""
            throw Refusal.refused(error + detail)
        }
        // A token goes into an AUTH line: printable ASCII without spaces, or it is refused.
        func usable(_ token: String) -> Bool {
            !token.isEmpty && token.utf8.count <= maximumTokenLength
                && token.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        }
        guard let object, let token = object["access_token"] as? String, usable(token) else {
            throw Refusal.noUsableToken
        }
        // expires_in is a number (Microsoft has sent it as a string too); one hour when missing.
        var expires = 3600.0
        if let number = object["expires_in"] as? Double {
            expires = number
        } else if let text = object["expires_in"] as? String, let number = Double(text) {
            expires = number
        }
        if !expires.isFinite { expires = 3600 }
        expires = min(max(expires, 60), 86400)
        let refresh = (object["refresh_token"] as? String).flatMap { usable($0) ? $0 : nil }
        return OAuthTokenReply(accessToken: token, expiresIn: expires, refreshToken: refresh)
    }
}
