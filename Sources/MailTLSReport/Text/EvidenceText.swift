import Foundation

/// Evidence is data (the server's own reply, a measured value), kept as it is in JSON. The few words mailtls adds
/// around that data ("connection refused", "30 days left") are rendered in the reader's language here.
public enum EvidenceText {
    /// English pattern, Japanese template. Applied in order; `$n` are the pattern's groups.
    static let japanese: [(NSRegularExpression, String)] = [
        ("^([0-9]+) s$", "$1 秒"),
        ("connection refused", "接続拒否"),
        ("no answer to TCP connect within ([0-9.]+) s", "$1 秒以内に TCP 接続の応答なし"),
        ("connect failed: ", "接続失敗: "),
        ("no complete reply within ([0-9.]+) s \\(([^)]*)\\)", "$1 秒以内に応答が完了しない($2)"),
        ("the server closed the connection \\(([^)]*)\\)", "サーバーが接続を切断($1)"),
        ("the server sent too much: a line longer than ([0-9]+) bytes", "サーバーの送信量が上限超過: $1 バイトを超える行"),
        ("the server sent too much: a reply of more than ([0-9]+) lines", "サーバーの送信量が上限超過: $1 行を超える応答"),
        ("the server sent too much: more than ([0-9]+) unread bytes", "サーバーの送信量が上限超過: 未読 $1 バイト超"),
        ("unexpected reply: ", "想定外の応答: "),
        ("TLS handshake failed: connection reset by the server", "TLS ハンドシェイク失敗: サーバーが接続をリセット"),
        ("TLS handshake failed: connection closed", "TLS ハンドシェイク失敗: 接続が閉じられた"),
        ("TLS handshake failed: alert ", "TLS ハンドシェイク失敗: アラート "),
        ("TLS handshake failed: ", "TLS ハンドシェイク失敗: "),
        ("plaintext greeting where TLS was expected: ", "TLS のはずが暗号化なしの挨拶: "),
        ("the probe did not finish within ([0-9.]+) s", "$1 秒以内に調査が終わらない"),
        ("(-?[0-9]+) days left \\(notAfter ([^)]*)\\)", "残り $1 日(notAfter $2)"),
        ("(\\S+) not in \\[([^\\]]*)\\]", "$1 は証明書の名前 [$2] に含まれない"),
        ("missing issuer (.*)$", "中間証明書が送信されていません(発行者 $1)"),
        ("issuer (.*) valid (\\S+) to (\\S+)$", "発行者 $1 の有効期間外($2 から $3 まで)"),
        ("unknown root ", "不明なルート: "),
        ("no (STARTTLS|STLS) in the capabilities", "機能一覧に $1 なし"),
        ("MAIL FROM before STARTTLS: ", "STARTTLS 前の MAIL FROM: "),
        ("no LOGINDISABLED before STARTTLS", "STARTTLS 前に LOGINDISABLED の表示なし"),
        ("([0-9]+) bytes after the go-ahead: ", "許可の応答の後に $1 バイト: "),
        ("^accepts ", "受け付けるバージョン: "),
        ("best version ", "最高バージョン "),
        ("no greeting; (\\S+) handshake completed", "挨拶なし、$1 のハンドシェイクが成立"),
        ("leaf: ", "サーバー証明書: "),
        ("certificate ([0-9]+): ", "証明書 $1: "),
        (" ([0-9]+) bits", " $1 ビット"),
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
