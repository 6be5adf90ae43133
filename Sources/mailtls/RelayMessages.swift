import Foundation
import MailTLSRelay
import MailTLSReport
import MailTLSSandbox

/// Relay sentences for the terminal and its errors, in both languages.
enum RelayMessages {
    static func configuration(_ failure: RelayConfigurationReader.Failure, _ language: Language) -> String {
        language == .ja
            ? "設定ファイルに誤りがあります: \(failure.description.peerSafe)。mailtls relay init --output - で例を表示できます。"
            : "The configuration has a mistake: \(failure.description.peerSafe). mailtls relay init --output - prints an example."
    }

    static func start(_ error: RelayStartError, _ language: Language) -> String {
        let ja = language == .ja
        switch error {
        case .configuration(let failure):
            return configuration(failure, language)
        case .spool(let detail):
            return ja ? "保存先のディレクトリを使えません（\(detail)）。relay.yaml の spool: の directory: に書き込み可能なディレクトリを指定してください。"
                : "Cannot use the spool directory (\(detail)). Set spool: directory: in relay.yaml to a writable directory."
        case .spoolInUse(let path):
            return ja ? "別の mailtls relay が「\(path)」を使っています。同じ保存先で 2 つ動かすことはできません。mailtls relay status で確かめてください。"
                : "Another mailtls relay is using \(path); two cannot share a spool. See mailtls relay status."
        case .certificate(let detail):
            return ja ? "証明書を使えません（\(detail)）。relay.yaml の certificate: に PEM 形式の chain と key を指定するか、certificate: を削除して mailtls に作らせてください。"
                : "Cannot use the certificate (\(detail)). Give PEM files in certificate: chain/key, or remove certificate: to let mailtls make one."
        case .accounts(let detail):
            return ja ? "機器のアカウントのファイルを読めません（\(detail)）。1 行に 1 つ「ユーザー名:パスワード」を書き、chmod 600 にしてください。"
                : "Cannot read the device accounts file (\(detail)). Write one user:password per line and chmod 600 it."
        case .caFile(let path, let reason):
            return ja ? "ca_file の「\(path)」を使えません（\(reason)）。PEM 形式の認証局の証明書を指定してください。"
                : "Cannot use ca_file \(path) (\(reason)). Give a PEM file with the CA certificate."
        case .listener(let sandboxError):
            switch sandboxError {
            case .portInUse(let address, let port):
                return ja ? "ポート \(port)（\(address)）は既に使われています。relay.yaml の listen: で別のポートを選ぶか、そのポートを使っているサービスを停止してください。"
                    : "Port \(port) on \(address) is already in use. Choose another in listen: or stop the service using it."
            case .permissionDenied(let address, let port):
                return ja ? "ポート \(port)（\(address)）を開く権限がありません。1024 未満のポートには root 権限か CAP_NET_BIND_SERVICE が必要です（systemd のユニットは付与します）。"
                    : "No permission to open port \(port) on \(address): ports below 1024 need root or CAP_NET_BIND_SERVICE (the systemd unit grants it)."
            case .addressUnavailable(let address):
                return ja ? "アドレス \(address) で待ち受けできません。relay.yaml の listen: の address: にこのマシンの IP アドレスを指定してください。"
                    : "Cannot listen on \(address). Set listen: address: to an address of this machine."
            case .certificate(let detail):
                return start(.certificate(detail), language)
            case .stateDirectory(let detail):
                return start(.spool(detail), language)
            }
        }
    }

    /// A service of the relay ended by itself: its own lines above say why.
    static func stopped(_ language: Language) -> String {
        language == .ja ? "中継サーバーが予期せず停止しました。理由は上に表示した行を確認してください。"
            : "The relay stopped unexpectedly: the lines above say why."
    }

    static func written(_ path: String, provider: RelayTemplate.Provider, _ language: Language) -> String {
        language == .ja
            ? "\(path) を書き出しました。コメントに従って編集し、パスワードやシークレットは指定したファイルに保存してから（chmod 600）、mailtls relay test --to 自分のアドレス で確かめてください。"
            : "Wrote \(path). Edit it as its comments say, put the password or secret in the files it names (chmod 600), then try mailtls relay test --to YOUR-ADDRESS."
    }

    static func noSuchMessage(_ id: String, _ language: Language) -> String {
        language == .ja ? "ID「\(id.peerSafe)」のメールは待機中の一覧にありません。mailtls relay queue で一覧を表示できます。"
            : "No queued message has the ID \(id.peerSafe). mailtls relay queue lists them."
    }

    static func requested(_ action: String, id: String?, running: Bool, _ language: Language) -> String {
        let ja = language == .ja
        let what = id ?? (ja ? "すべてのメール" : "every message")
        switch (action, running) {
        case ("retry", true): return ja ? "\(what) の再送を、動作中の中継サーバーに依頼しました（1 秒以内に始まります）。" : "Asked the running relay to retry \(what) now (within a second)."
        case ("retry", false): return ja ? "\(what) を、次に中継サーバーを起動したときすぐ再送するようにしました。" : "\(what) will be tried as soon as the relay starts."
        case (_, true): return ja ? "\(what) の削除を、動作中の中継サーバーに依頼しました。" : "Asked the running relay to delete \(what)."
        default: return ja ? "\(what) を削除しました。" : "Deleted \(what)."
        }
    }
}
