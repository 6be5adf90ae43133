import MailTLSCore
import MailTLSSessions

/// What a server connection was refused or cut short for, in the reader's language: English is the problem's own
/// words (what `events.jsonl` and the relay's JSON keep), Japanese is made from the same value. Peer text in it (an
/// address, a sample of the client's bytes) is escaped.
public enum ConnectionProblemText {
    public static func render(_ problem: ConnectionProblem, _ language: Language) -> String {
        guard language == .ja else { return problem.description }
        switch problem {
        case .lineTooLong(let limit): return "\(limit) バイトを超える行"
        case .commandTooLong: return "長すぎるコマンド"
        case .tooManyErrors: return "エラーが多すぎます"
        case .tlsHandshakeWithoutSTARTTLS:
            return "STARTTLS なしで TLS ハンドシェイクが始まりました（クライアントの設定が「SSL/TLS」になっていませんか）"
        case .pipelinedAfterSTARTTLS(let bytes): return "STARTTLS の後に続けて送られた \(bytes) バイト（読まずに捨てました）"
        case .plaintextWhereTLSExpected(let sample): return "TLS のはずのポートに暗号化なしのデータ: \(sample.peerSafe)"
        case .idleTimeout: return "無通信のため切断"
        case .sessionDeadline(let seconds): return "接続時間の上限（\(seconds) 秒）"
        case .tooManyConnections: return "接続数が多すぎます"
        case .clientNetworkNotAllowed: return "許可されていないネットワークからの接続"
        case .mailWithoutTLS: return "TLS なしでメールを送ろうとしました"
        case .mailWithoutLogin: return "認証なしでメールを送ろうとしました"
        case .senderNotAllowed(let address): return "許可されていない送信者: \(address.peerSafe)"
        case .recipientDomainNotAllowed(let address): return "許可されていない宛先ドメイン: \(address.peerSafe)"
        case .messageRefused(let reply): return "メールを拒否しました: \(reply.peerSafe)"
        case .messageNotStored(let reason): return "メールを保存できませんでした: " + shortfall(reason)
        case .legacy(let words): return words.peerSafe
        }
    }

    static func shortfall(_ reason: StorageShortfall) -> String {
        switch reason {
        case .lowDiskSpace(let free): "保存先のファイルシステムの空きが \(free) バイトしかありません"
        case .tooLarge: "メールが大きすぎます"
        case .writerClosed: "保存の途中で書き込みが終了しました"
        case .systemError(let words): "システムのエラー（\(words.peerSafe)）"
        case .unknown: "理由は不明です"
        }
    }
}
