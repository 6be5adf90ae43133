import Testing

@testable import MailTLSReport

/// The relay's spooled problem text, as `relay queue` and `relay status` show it in Japanese.
@Suite struct RelayProblemTextTests {
    @Test(arguments: [
        ("127.0.0.9: connection refused", "127.0.0.9: 接続拒否"),
        ("the upstream does not offer STARTTLS; the relay never sends unencrypted",
         "プロバイダーのサーバーが STARTTLS を提供していません。中継サーバーは暗号化なしでは送りません"),
        ("self-signed: self-signed: CN=mail.mailtls.test", "証明書の問題: 自己署名証明書: CN=mail.mailtls.test"),
        ("/etc/mailtls/password is readable by others: chmod 600 /etc/mailtls/password",
         "/etc/mailtls/password は他のユーザーも読めます。chmod 600 /etc/mailtls/password"),
        ("the upstream refused the login", "プロバイダーのサーバーがログインを拒否しました"),
    ])
    func relayWordsInJapanese(english: String, japanese: String) {
        #expect(RelayProblemText.render(english, .ja) == japanese)
        #expect(RelayProblemText.render(english, .en) == english)
    }
}
