import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSReport
import MailTLSWatch

/// `mailtls watch` sentences for the terminal and its errors, in both languages.
enum WatchMessages {
    static func configuration(_ failure: WatchConfigurationReader.Failure, _ language: Language) -> String {
        language == .ja
            ? "設定ファイルに誤りがあります: \(failure.description.peerSafe)。mailtls watch init --output - で例を表示できます。"
            : "The configuration has a mistake: \(failure.description.peerSafe). mailtls watch init --output - prints an example."
    }

    static func configurationOK(_ path: String, _ configuration: WatchConfiguration, _ language: Language) -> String {
        let ports = configuration.targets.map(\.ports.count).reduce(0, +)
        return language == .ja
            ? "\(path.peerSafe) は正しい設定です: 対象 \(configuration.targets.count) 件（ポート \(ports) 個）、通知先 \(configuration.alerts.count) 件、データベース \(configuration.database.peerSafe)。"
            : "\(path.peerSafe) is valid: \(configuration.targets.count) targets (\(ports) ports), \(configuration.alerts.count) alert routes, database \(configuration.database.peerSafe)."
    }

    /// Why the watch database cannot be used: made by a newer mailtls, or any other error in its own words.
    static func database(_ path: String, _ error: any Error, _ language: Language) -> String {
        guard let newer = error as? WatchSchemaTooNew else { return database(path, String(describing: error), language) }
        return language == .ja
            ? "監視のデータベース「\(path.peerSafe)」は新しい mailtls で更新されています（スキーマ \(newer.found)。この mailtls が扱えるのは \(newer.known) までです）。内容を壊さないよう、読み書きしません。このマシンの mailtls を更新してください。"
            : "The watch database \(path.peerSafe) was brought to a newer schema by a newer mailtls (\(newer.found); this one knows up to \(newer.known)), and is left untouched so that nothing in it is lost. Update mailtls on this machine."
    }

    private static func database(_ path: String, _ detail: String, _ language: Language) -> String {
        language == .ja
            ? "監視のデータベース「\(path.peerSafe)」を使えません（\(detail.peerSafe)）。watch.yaml の database: に書き込み可能な場所を指定してください。"
            : "Cannot use the watch database \(path.peerSafe) (\(detail.peerSafe)). Set database: in watch.yaml to a writable place."
    }

    static func caFile(_ error: TrustAnchors.LoadError, _ language: Language) -> String {
        switch error {
        case .unreadable(let path, let reason):
            return language == .ja
                ? "defaults: の ca_file「\(path.peerSafe)」を読めません（\(reason.peerSafe)）。パスと権限を確認してください。"
                : "Cannot read defaults: ca_file \(path.peerSafe) (\(reason.peerSafe)). Check the path and its permissions."
        case .noCertificates(let path):
            return language == .ja
                ? "defaults: の ca_file「\(path.peerSafe)」に PEM 形式の証明書がありません。"
                : "defaults: ca_file \(path.peerSafe) holds no PEM certificate."
        }
    }

    static func unknownTarget(_ name: String, _ configuration: WatchConfiguration, _ language: Language) -> String {
        let known = configuration.targets.map(\.name).prefix(20).joined(separator: ", ").peerSafe
        return language == .ja
            ? "「\(name.peerSafe)」という対象は設定にありません。設定にある対象: \(known)"
            : "No target named \(name.peerSafe) in the configuration. Targets: \(known)"
    }

    static func deliveryFailed(_ failure: NoticeDelivery.Failure, _ language: Language) -> String {
        language == .ja
            ? "mailtls watch: 通知を \(failure.url.peerSafe) に送れませんでした（\(failure.reason.peerSafe)）。"
            : "mailtls watch: could not deliver notices to \(failure.url.peerSafe) (\(failure.reason.peerSafe))."
    }

    static func reloadRefused(_ failure: WatchConfigurationReader.Failure, _ language: Language) -> String {
        language == .ja
            ? "mailtls watch: 新しい設定に誤りがあるため、前の設定のまま続けます: \(failure.description.peerSafe)"
            : "mailtls watch: the new configuration has a mistake, so the previous one stays: \(failure.description.peerSafe)"
    }

    static func reloaded(_ configuration: WatchConfiguration, _ language: Language) -> String {
        language == .ja
            ? "mailtls watch: 設定を読み直しました（対象 \(configuration.targets.count) 件）。"
            : "mailtls watch: configuration reloaded (\(configuration.targets.count) targets)."
    }

    static func started(_ path: String, _ configuration: WatchConfiguration, _ language: Language) -> String {
        language == .ja
            ? "mailtls watch: \(path.peerSafe) の対象 \(configuration.targets.count) 件を監視しています。Ctrl-C で止まります。"
            : "mailtls watch: watching \(configuration.targets.count) targets from \(path.peerSafe). Ctrl-C stops."
    }

    static func dashboard(_ http: WatchConfiguration.HTTP, port: Int, _ language: Language) -> String {
        let host = http.host.contains(":") ? "[\(http.host)]" : http.host
        let url = "http://\(host):\(port)/"
        return language == .ja
            ? "mailtls watch: ダッシュボード \(url)（メトリクスは \(url)metrics）"
            : "mailtls watch: dashboard at \(url) (metrics at \(url)metrics)"
    }

    static func portInUse(_ http: WatchConfiguration.HTTP, _ language: Language) -> String {
        language == .ja
            ? "ダッシュボードのポート \(http.port)（\(http.host.peerSafe)）は別のプログラムが使っています。watch.yaml の http: の listen: で別のポートを指定するか、listen: off にしてください。"
            : "The dashboard's port \(http.port) on \(http.host.peerSafe) is in use by another program. Set http: listen: in watch.yaml to another port, or to off."
    }

    static func tokenFile(_ path: String, _ language: Language) -> String {
        language == .ja
            ? "http: の token_file「\(path.peerSafe)」を読めないか、トークンが 16 文字未満です。例: openssl rand -hex 24 > \(path.peerSafe)"
            : "Cannot read http: token_file \(path.peerSafe), or its token is shorter than 16 characters. For example: openssl rand -hex 24 > \(path.peerSafe)"
    }

    static func probeFailed(_ detail: String, _ language: Language) -> String {
        language == .ja
            ? "mailtls watch: 確認の結果を保存できませんでした（\(detail.peerSafe)）。次の予定で確認し直します。"
            : "mailtls watch: a probe's result could not be stored (\(detail.peerSafe)); it is due again at its next interval."
    }

    static func stopped(_ language: Language) -> String {
        language == .ja ? "監視が予期せず止まりました。" : "The monitor stopped unexpectedly."
    }
}

/// `mailtls watch init`: a commented watch.yaml.
enum WatchTemplate {
    static func text(_ language: Language) -> String {
        let ja = language == .ja
        return """
        # mailtls watch \(ja ? "の設定（mailtls watch --check-config で確認できます）" : "configuration (check it with mailtls watch --check-config)")
        # \(ja ? "履歴を保存する SQLite ファイル（この設定ファイルからの相対パス）" : "SQLite file for history (relative to this file)")
        database: mailtls-watch.sqlite

        defaults:
          interval: 1h              # \(ja ? "確認の間隔（1m〜7d）" : "time between probes (1m to 7d)")
          jitter: 10%               # \(ja ? "確認の開始を間隔のこの割合までずらします" : "spread probes by up to this share of the interval")
          ports: [25, 465, 587, 993, 995]
          timeout: 10s
          connections_per_host: 2   # \(ja ? "1 つのアドレスへの同時接続数" : "connections at once to one address")
          # \(ja ? "証明書の期限の通知: 残り日数、または有効期間の残りの割合" : "expiry notices: days left, or share of the lifetime left")
          expiry: [21d, 14d, 7d, 3d, 1d, 10%]
          failures_before_alert: 3
          successes_before_resolve: 2
          alert_severity: warning   # \(ja ? "この重要度以上の指摘を通知します" : "findings at or above this severity alert")

        # \(ja ? "共通の設定をまとめて名前を付けられます" : "shared settings, used by name")
        templates:
          submission:
            ports: [465, 587]

        targets:
          - host: mail.example.com
            ports: [25, 587, 993]
          - host: smtp.example.net
            template: submission
            ignore: [certificate-self-signed]   # \(ja ? "許容する指摘" : "findings you accept")
          # - domain: example.com     # \(ja ? "すべての MX と DANE、MTA-STS、TLS-RPT" : "every MX, DANE, MTA-STS, TLS-RPT")
          # - address: info@example.com   # \(ja ? "自動設定で見つかる設定とそのサーバー" : "the settings clients discover, and their servers")

        alerts:
          - webhook: https://hooks.example.com/mailtls   # \(ja ? "JSON を POST します" : "a JSON document is POSTed")
          # - slack: https://hooks.slack.com/services/...
          #   severity: critical

        # \(ja ? "通知を止める時間帯（計画した作業など）" : "when alerts are held (planned work)")
        # maintenance:
        #   - { targets: ["mx*"], start: "02:00", duration: 2h, time_zone: Asia/Tokyo }

        # \(ja ? "ダッシュボードと /metrics（既定ではこのマシンからだけ接続できます）" : "the dashboard and /metrics (loopback only by default)")
        http:
          listen: 127.0.0.1:9465
          # token_file: /etc/mailtls/watch-token   # \(ja ? "ループバック以外で待ち受けるときは必須です" : "required to listen beyond loopback")

        """
    }
}
