import Foundation

/// The relay's problem text in the reader's language. The relay keeps an attempt's problem as English text in its
/// spool and status (a message waits days, across restarts), so `relay queue` and `relay status` word it from those
/// words: the engine's and the certificate gate's phrases, the relay's own, the credential sources'. check's,
/// domain's, diagnose's, setup's and watch's evidence is typed and never comes here.
public enum RelayProblemText {
    /// English pattern, Japanese template. Applied in order; `$n` are the pattern's groups.
    static let japanese: [(NSRegularExpression, String)] = [
        ("connection refused", "接続拒否"),
        ("no answer to TCP connect within ([0-9.]+) s", "$1 秒以内に TCP 接続の応答なし"),
        ("connect failed: ", "接続失敗: "),
        ("no complete reply within ([0-9.]+) s \\(([^)]*)\\)", "$1 秒以内に完全な応答なし（$2）"),
        ("the server closed the connection \\(([^)]*)\\)", "サーバーによる切断（$1）"),
        ("the server sent too much: a line longer than ([0-9]+) bytes", "サーバーからの受信データが上限超過: $1 バイトを超える行"),
        ("the server sent too much: a reply of more than ([0-9]+) lines", "サーバーからの受信データが上限超過: $1 行を超える応答"),
        ("the server sent too much: more than ([0-9]+) unread bytes", "サーバーからの受信データが上限超過: 未処理のデータが $1 バイト超"),
        ("unexpected reply: ", "想定外の応答: "),
        ("TLS handshake failed: connection reset by the server", "TLS ハンドシェイク失敗: サーバーが接続をリセット"),
        ("TLS handshake failed: connection closed", "TLS ハンドシェイク失敗: 接続の切断"),
        ("TLS handshake failed: alert ", "TLS ハンドシェイク失敗: アラート "),
        ("TLS handshake failed: ", "TLS ハンドシェイク失敗: "),
        ("plaintext greeting where TLS was expected: ", "TLS の代わりに暗号化なしの挨拶を受信: "),
        ("the probe did not finish within ([0-9.]+) s", "調査が制限時間 $1 秒を超過"),
        ("(-?[0-9]+) days left \\(notAfter ([^)]*)\\)", "残り $1 日（notAfter $2）"),
        ("(\\S+) not in \\[([^\\]]*)\\]", "$1 は証明書の名前 [$2] に含まれていません"),
        ("missing issuer (.*)$", "中間証明書が送られていません（発行者: $1）"),
        ("issuer (.*) valid (\\S+) to (\\S+)$", "発行者 $1 の証明書が有効期間外（有効期間: $2 〜 $3）"),
        ("unknown root ", "信頼されていないルート証明書: "),
        ("leaf: ", "サーバー証明書: "),
        ("certificate ([0-9]+): ", "証明書 $1: "),
        (" ([0-9]+) bits", " $1 ビット"),
        ("the certificate does not carry this host name", "証明書の名前にこのサーバー名が含まれていません"),
        ("the certificate does not chain to a trusted root \\(([^)]*)\\)", "証明書が信頼できるルート証明書につながりません（$1）"),
        ("the certificate was refused", "証明書を受け入れられません"),
        ("TLS handshake failed \\(([^)]*)\\)", "TLS ハンドシェイク失敗（$1）"),
        ("^TLS failed$", "TLS 失敗"),
        ("the server closed the connection$", "サーバーによる切断"),
        ("connection failed: ", "接続失敗: "),
        ("larger than ([0-9]+) bytes", "$1 バイトを超えています"),
        ("no answer within ([0-9]+) s", "$1 秒以内に応答なし"),
        // The relay's upstream problems (UpstreamFailure), then the credential sources'.
        ("^no upstream configured$", "プロバイダーのサーバーが設定されていません"),
        ("^no address$", "アドレスなし"),
        ("(\\S+): the name does not resolve", "$1: 名前解決ができません"),
        ("the upstream refused the connection", "プロバイダーのサーバーが接続を拒否しました"),
        ("^EHLO refused", "EHLO が拒否されました"),
        ("the upstream does not offer STARTTLS; the relay never sends unencrypted",
         "プロバイダーのサーバーが STARTTLS を提供していません。中継サーバーは暗号化なしでは送りません"),
        ("^STARTTLS refused", "STARTTLS が拒否されました"),
        ("the upstream offers no TLS (\\S+) or later", "プロバイダーのサーバーは TLS $1 以上を提供していません"),
        ("the upstream offers no AUTH after TLS", "プロバイダーのサーバーは TLS の後に AUTH を提供していません"),
        ("the upstream offers neither PLAIN nor LOGIN", "プロバイダーのサーバーは PLAIN も LOGIN も提供していません"),
        ("the upstream does not offer XOAUTH2", "プロバイダーのサーバーは XOAUTH2 を提供していません"),
        ("^AUTH LOGIN refused", "AUTH LOGIN が拒否されました"),
        ("the user name was refused", "ユーザー名が拒否されました"),
        ("the upstream refused the login", "プロバイダーのサーバーがログインを拒否しました"),
        ("^no token source$", "トークンの取得元が設定されていません"),
        ("the upstream refused the token", "プロバイダーのサーバーがトークンを拒否しました"),
        ("the spooled message cannot be read", "キューのメールを読めません"),
        ("the spooled message is shorter than its envelope says", "キューのメールがエンベロープの記録より短くなっています"),
        ("the environment variable (\\S+) is not set", "環境変数 $1 が設定されていません"),
        ("(\\S+): no such file", "$1: ファイルがありません"),
        ("(\\S+) is readable by others: chmod 600", "$1 は他のユーザーも読めます。chmod 600"),
        ("(\\S+) cannot be read", "$1 を読めません"),
        ("(\\S+) is empty", "$1 が空です"),
        ("the new refresh token could not be saved to (\\S+)", "新しいリフレッシュトークンを $1 に保存できません"),
        (": no certificates$", ": 証明書がありません"),
        ("the token endpoint refused: ", "トークンのエンドポイントが拒否しました: "),
        ("the token endpoint could not be reached: ", "トークンのエンドポイントに接続できません: "),
        ("^no certificate$", "証明書なし"),
        ("reply larger than 64 KiB", "応答が 64 KiB を超えています"),
        ("^(expired|not-yet-valid|self-signed|name-mismatch|incomplete-chain|untrusted|weak-key|weak-signature): ",
         "証明書の問題: "),
        ("notBefore (\\S+)", "有効期間の開始 $1"),
        ("self-signed: ", "自己署名証明書: "),
        // Half-width brackets around what became Japanese: full-width, as the glossary asks.
        ("\\(([^()\"]*[ぁ-んァ-ヶ一-龯][^()\"]*)\\)", "（$1）"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    public static func render(_ evidence: String, _ language: Language) -> String {
        guard language == .ja else { return evidence }
        var text = evidence
        for (pattern, template) in japanese {
            let range = NSRange(text.startIndex..., in: text)
            text = pattern.stringByReplacingMatches(in: text, range: range, withTemplate: template)
        }
        return text
    }
}
