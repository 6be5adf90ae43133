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
        ("no (STARTTLS|STLS) in the capabilities", "機能一覧に $1 なし"),
        ("MAIL FROM before STARTTLS: ", "STARTTLS 前の MAIL FROM: "),
        ("no LOGINDISABLED before STARTTLS", "STARTTLS 前の機能一覧に LOGINDISABLED なし"),
        ("; the zone is not DNSSEC-signed", "（ゾーンが DNSSEC で署名されていません）"),
        ("no TLSA at (\\S+)", "$1 に TLSA レコードなし"),
        ("no TXT at (\\S+)", "$1 に TXT レコードなし"),
        ("policy at (\\S+), ", "ポリシーは $1 で配信、"),
        ("TLSA for (.*); none at (\\S+)", "TLSA レコードは $1 にあり、$2 にはなし"),
        ("no A or AAAA record", "A/AAAA レコードなし"),
        ("no STARTTLS in EHLO", "EHLO の応答に STARTTLS なし"),
        ("id \"([^\"]*)\" is not 1 to 32 letters or digits", "id「$1」が 1〜32 文字の英数字ではありません"),
        ("rua \"([^\"]*)\" is neither mailto: nor https:", "rua「$1」が mailto: でも https: でもありません"),
        ("max_age ([0-9]+) is over 31557600", "max_age $1 が上限 31557600 を超えています"),
        ("mode \"([^\"]*)\" is not enforce, testing or none", "mode「$1」が enforce・testing・none のいずれでもありません"),
        ("version \"([^\"]*)\" is not STSv1", "version「$1」が STSv1 ではありません"),
        ("mx \"([^\"]*)\" is not a host name pattern", "mx「$1」がサーバー名のパターンではありません"),
        ("malformed (line|field) \"([^\"]*)\"", "形式が正しくない行「$2」"),
        ("([0-9]+) bytes, over 64 KiB", "$1 バイト（上限 64 KiB 超過）"),
        ("\\(not v=STSv1\\)", "（v=STSv1 で始まっていません）"),
        ("\\(not v=TLSRPTv1\\)", "（v=TLSRPTv1 で始まっていません）"),
        ("\\(no (id|rua)\\)", "（$1 がありません）"),
        ("(^|; )no (version|mode|max_age|mx)(?=;|$)", "$1$2 がありません"),
        ("([0-9]+) bytes after the go-ahead: ", "STARTTLS の開始許可の後に届いた $1 バイト: "),
        ("^accepts ", "受け付けるバージョン: "),
        ("best version ", "対応する最新バージョン: "),
        ("no greeting; (\\S+) handshake completed", "挨拶なしで $1 のハンドシェイクが成立"),
        ("leaf: ", "サーバー証明書: "),
        ("certificate ([0-9]+): ", "証明書 $1: "),
        (" ([0-9]+) bits", " $1 ビット"),
        ("no usable TLSA record matches the presented chain", "提示された証明書チェーンに一致する使用可能な TLSA レコードがありません"),
        ("DANE-TA record matches, but the certificate does not name (\\S+)",
         "DANE-TA レコードは一致しますが、証明書の名前に $1 が含まれていません"),
        ("DNSSEC bogus: ", "DNSSEC 検証失敗: "),
        ("DNSSEC validation failed \\(", "DNSSEC 検証失敗（"),
        ("the certificate does not carry this host name", "証明書の名前にこのサーバー名が含まれていません"),
        ("the certificate does not chain to a trusted root \\(([^)]*)\\)", "証明書が信頼できるルート証明書につながりません（$1）"),
        ("the certificate was refused", "証明書を受け入れられません"),
        ("TLS handshake failed \\(([^)]*)\\)", "TLS ハンドシェイク失敗（$1）"),
        ("^TLS failed$", "TLS 失敗"),
        ("the server closed the connection$", "サーバーによる切断"),
        ("connection failed: ", "接続失敗: "),
        ("larger than ([0-9]+) bytes", "$1 バイトを超えています"),
        ("no answer within ([0-9]+) s", "$1 秒以内に応答なし"),
        ("HTTPS request failed \\(([^)]*)\\)", "HTTPS の要求に失敗（$1）"),
        (": no address$", ": A/AAAA レコードなし"),
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
