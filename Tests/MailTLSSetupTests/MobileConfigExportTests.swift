import MailTLSCore
import Foundation
import Testing

@testable import MailTLSSetup

@Suite struct MobileConfigExportTests {
    static let options = MobileConfigExport.Options(
        identifierPrefix: "jp.example.mail", profileUUID: "6F1C2A3B-0000-4000-8000-000000000001",
        accountUUID: "6F1C2A3B-0000-4000-8000-000000000002")

    static func recommendation(incoming: ServerSetting? = ServerSetting(
                                   kind: .imap, hostname: "imap.example.com", port: 993, socketType: .implicitTLS,
                                   authentication: [.passwordCleartext], username: "%EMAILLOCALPART%"),
                               outgoing: ServerSetting? = ServerSetting(
                                   kind: .smtp, hostname: "smtp.example.com", port: 587, socketType: .startTLS),
                               displayName: String = "Taro Yamada") -> AccountRecommendation {
        AccountRecommendation(address: "taro@example.com", displayName: displayName, incoming: incoming,
                              outgoing: outgoing)
    }

    /// The profile parsed back with Foundation, as a device would read it.
    static func parsedProfile(_ recommendation: AccountRecommendation) throws
        -> (top: [String: Any], account: [String: Any]) {
        let text = try MobileConfigExport.profile(for: recommendation, options: options).get()
        let value = try PropertyListSerialization.propertyList(from: Data(text.utf8), options: [], format: nil)
        let top = try #require(value as? [String: Any])
        let content = try #require(top["PayloadContent"] as? [Any])
        #expect(content.count == 1)
        let account = try #require(content.first as? [String: Any])
        return (top, account)
    }

    /// `<true/>` and `<false/>`, whichever way Foundation bridges them.
    static func isBool(_ value: Any?) -> Bool {
        guard let value else { return false }
        if type(of: value) == Bool.self { return true }
        return (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
    }

    /// `<integer>`, not a Boolean.
    static func isInteger(_ value: Any?) -> Bool {
        guard let value, !isBool(value), let number = value as? NSNumber else { return false }
        return ["q", "l", "i", "s"].contains(String(cString: number.objCType))
    }

    @Test func topLevelIsAConfigurationProfile() throws {
        let (top, _) = try Self.parsedProfile(Self.recommendation())
        #expect(top["PayloadType"] as? String == "Configuration")
        #expect(Self.isInteger(top["PayloadVersion"]) && top["PayloadVersion"] as? Int == 1)
        #expect(top["PayloadIdentifier"] as? String == "jp.example.mail.taro-example.com")
        #expect(top["PayloadUUID"] as? String == Self.options.profileUUID)
        #expect((top["PayloadDisplayName"] as? String)?.contains("taro@example.com") == true)
        #expect(Set(top.keys) == ["PayloadType", "PayloadVersion", "PayloadIdentifier", "PayloadUUID",
                                  "PayloadDisplayName", "PayloadContent"])
    }

    @Test func accountPayloadHasEveryKeyWithItsType() throws {
        let (_, account) = try Self.parsedProfile(Self.recommendation())
        let strings: [String: String] = [
            "PayloadType": "com.apple.mail.managed",
            "PayloadIdentifier": "jp.example.mail.taro-example.com.account",
            "PayloadUUID": Self.options.accountUUID,
            "EmailAccountDescription": "taro@example.com",
            "EmailAccountName": "Taro Yamada",
            "EmailAccountType": "EmailTypeIMAP",
            "EmailAddress": "taro@example.com",
            "IncomingMailServerHostName": "imap.example.com",
            "IncomingMailServerAuthentication": "EmailAuthPassword",
            "IncomingMailServerUsername": "taro",
            "OutgoingMailServerHostName": "smtp.example.com",
            "OutgoingMailServerAuthentication": "EmailAuthPassword",
            "OutgoingMailServerUsername": "taro@example.com",
        ]
        for (key, expected) in strings { #expect(account[key] as? String == expected, "\(key)") }
        #expect(account["PayloadDisplayName"] is String)
        let integers: [String: Int] = [
            "PayloadVersion": 1, "IncomingMailServerPortNumber": 993, "OutgoingMailServerPortNumber": 587,
        ]
        for (key, expected) in integers {
            #expect(Self.isInteger(account[key]) && account[key] as? Int == expected, "\(key)")
        }
        let bools: [String: Bool] = [
            "IncomingMailServerUseSSL": true, "OutgoingMailServerUseSSL": true,
            "OutgoingPasswordSameAsIncomingPassword": true,
        ]
        for (key, expected) in bools {
            #expect(Self.isBool(account[key]) && account[key] as? Bool == expected, "\(key)")
        }
        let expectedKeys = Set(strings.keys).union(integers.keys).union(bools.keys).union(["PayloadDisplayName"])
        #expect(Set(account.keys) == expectedKeys)
    }

    @Test func neverHoldsAPassword() throws {
        let (top, account) = try Self.parsedProfile(Self.recommendation())
        let passwordKeys = Set(top.keys).union(account.keys).filter { $0.localizedCaseInsensitiveContains("password") }
        #expect(passwordKeys == ["OutgoingPasswordSameAsIncomingPassword"])
    }

    @Test func writesAnApplePlistDocument() throws {
        let text = try MobileConfigExport.profile(for: Self.recommendation(), options: Self.options).get()
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC "
                               + "\"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                               + "<plist version=\"1.0\">"))
        #expect(text.hasSuffix("</plist>\n"))
    }

    /// Apple has one switch for TLS: on for implicit TLS and for STARTTLS alike.
    @Test(arguments: [(SecurityMode.implicitTLS, true), (.startTLS, true), (.plaintext, false)])
    func useSSLFollowsTheSocketType(socketType: SecurityMode, expected: Bool) throws {
        let recommendation = Self.recommendation(
            incoming: ServerSetting(kind: .pop3, hostname: "pop.example.com", port: 110, socketType: socketType),
            outgoing: ServerSetting(kind: .smtp, hostname: "smtp.example.com", port: 25, socketType: socketType))
        let (_, account) = try Self.parsedProfile(recommendation)
        #expect(account["IncomingMailServerUseSSL"] as? Bool == expected)
        #expect(account["OutgoingMailServerUseSSL"] as? Bool == expected)
        #expect(account["EmailAccountType"] as? String == "EmailTypePOP")
    }

    @Test(arguments: [
        ([AuthenticationKind.passwordCleartext], "EmailAuthPassword"),
        ([.passwordEncrypted], "EmailAuthCRAMMD5"),
        ([.passwordEncrypted, .passwordCleartext], "EmailAuthCRAMMD5"),
        ([.none], "EmailAuthNone"),
        ([.clientIPAddress], "EmailAuthNone"),
        ([.ntlm], "EmailAuthNTLM"),
        ([.oauth2, .passwordCleartext], "EmailAuthPassword"),
        ([.oauth2], "EmailAuthPassword"),
    ])
    func authenticationMapsToApplesNames(methods: [AuthenticationKind], expected: String) throws {
        let recommendation = Self.recommendation(
            outgoing: ServerSetting(kind: .smtp, hostname: "smtp.example.com", port: 465, socketType: .implicitTLS,
                                    authentication: methods))
        let (_, account) = try Self.parsedProfile(recommendation)
        #expect(account["OutgoingMailServerAuthentication"] as? String == expected)
        #expect(account["IncomingMailServerAuthentication"] as? String == "EmailAuthPassword")
    }

    @Test func hostileTextStaysText() throws {
        let name = #"</string><key>IncomingPassword</key><string>x & "y" 'z'"#
        let (_, account) = try Self.parsedProfile(Self.recommendation(displayName: name))
        #expect(account["EmailAccountName"] as? String == name)
        #expect(account["IncomingPassword"] == nil)
    }

    @Test func identifiersDifferPerAccount() throws {
        var other = Self.recommendation()
        other.address = "Hanako+Scan@example.com"
        let text = try MobileConfigExport.profile(for: other, options: Self.options).get()
        #expect(text.contains("<string>jp.example.mail.hanako-scan-example.com</string>"))
    }

    @Test func defaultOptionsMakeFreshUUIDs() {
        let first = MobileConfigExport.Options()
        let second = MobileConfigExport.Options()
        #expect(first.profileUUID != second.profileUUID && first.profileUUID != first.accountUUID)
        #expect(UUID(uuidString: first.profileUUID) != nil && UUID(uuidString: first.accountUUID) != nil)
    }

    @Test(arguments: [
        (recommendation(incoming: nil), MobileConfigExport.Problem.missingIncomingServer),
        (recommendation(outgoing: nil), .missingOutgoingServer),
        (recommendation(incoming: ServerSetting(kind: .smtp, hostname: "smtp.example.com", port: 465,
                                                socketType: .implicitTLS)), .unsupportedIncomingKind(.smtp)),
    ])
    func refusesWhatAppleCannotExpress(recommendation: AccountRecommendation, expected: MobileConfigExport.Problem) {
        #expect(MobileConfigExport.profile(for: recommendation, options: Self.options) == .failure(expected))
    }
}
