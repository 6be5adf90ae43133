import Glibc
import MailTLSCore
import MailTLSEngine
import Testing

@testable import MailTLSReport

/// The engine's typed failures in either language: a known errno and a common alert are explained from their values,
/// anything else keeps the system's or the RFC's own name.
@Suite struct EngineErrorTextTests {
    @Test func knownErrnosInTheReadersWords() {
        let unreachable = EngineError.connectFailed(ConnectFailure(errno: ENETUNREACH))
        #expect(EngineErrorText.render(unreachable, .en)
                == "connect failed: the network is unreachable (no route from this machine)")
        #expect(EngineErrorText.render(unreachable, .ja)
                == "接続失敗: ネットワークに到達できません（この機器からの経路がありません）")
        let other = EngineError.connectFailed(ConnectFailure(errno: ENOBUFS, systemWords: "No buffer space available"))
        #expect(EngineErrorText.render(other, .en) == "connect failed: \"No buffer space available\"")
        #expect(EngineErrorText.render(other, .ja) == "接続失敗: システムの説明: \"No buffer space available\"")
    }

    @Test func alertsByNameWithTheirMeaning() {
        let version = EngineError.tlsHandshakeFailed(reason: .alertReceived, alert: .protocolVersion)
        #expect(EngineErrorText.render(version, .en)
                == "TLS handshake failed: alert protocol_version (no TLS version in common)")
        #expect(EngineErrorText.render(version, .ja)
                == "TLS ハンドシェイク失敗: アラート protocol_version（共通の TLS バージョンがありません）")
        let rare = EngineError.tlsHandshakeFailed(reason: .alertReceived, alert: TLSAlert(code: 115))
        #expect(EngineErrorText.render(rare, .en) == "TLS handshake failed: alert unknown_psk_identity")
        #expect(EngineErrorText.render(rare, .ja) == "TLS ハンドシェイク失敗: アラート unknown_psk_identity")
    }

    @Test func reasonsWithoutAnAlert() {
        #expect(EngineErrorText.render(.tlsHandshakeFailed(reason: .connectionReset, alert: nil), .ja)
                == "TLS ハンドシェイク失敗: サーバーが接続をリセット")
        #expect(EngineErrorText.render(.tlsHandshakeFailed(reason: .library("WRONG_VERSION_NUMBER"), alert: nil), .en)
                == "TLS handshake failed: WRONG_VERSION_NUMBER")
    }
}
