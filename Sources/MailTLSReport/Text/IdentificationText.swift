import MailTLSCore

/// How mailtls knows a port's software or provider, in words, from the typed evidence.
public enum IdentificationText {
    public static let heading = LocalizedText(en: "Server software", ja: "サーバーソフトウェア")

    public static func confidence(_ confidence: ServerIdentification.Confidence, _ language: Language) -> String {
        switch confidence {
        case .named: LocalizedText(en: "identified", ja: "特定")(language)
        case .likely: LocalizedText(en: "likely", ja: "推定")(language)
        case .chosen: LocalizedText(en: "as given", ja: "指定")(language)
        }
    }

    /// "Postfix", "Microsoft Exchange at Microsoft 365", or the provider alone.
    public static func name(_ identification: ServerIdentification, _ language: Language) -> String {
        switch (identification.software, identification.provider) {
        case let (software?, provider?):
            LocalizedText(en: "{software} at {provider}", ja: "{provider} の {software}")(
                language, ["software": software.displayName, "provider": provider.displayName])
        case let (software?, nil): software.displayName
        case let (nil, provider?): provider.displayName
        case (nil, nil): LocalizedText(en: "unknown", ja: "不明")(language)
        }
    }

    public static func evidence(_ evidence: ServerIdentification.Evidence, of identification: ServerIdentification,
                                _ language: Language) -> String {
        let software = identification.software?.displayName ?? ""
        switch evidence {
        case .greetingNames(let word):
            return LocalizedText(en: "the greeting names {word}", ja: "挨拶に {word} の名前があります")(
                language, ["word": word])
        case .implementationNames(let text):
            return LocalizedText(en: "POP3 IMPLEMENTATION says {text}", ja: "POP3 の IMPLEMENTATION に {text} とあります")(
                language, ["text": text])
        case .capability(let keyword):
            return LocalizedText(en: "the capability {keyword}, which {software} announces",
                                 ja: "{software} が通知する機能 {keyword} があります")(
                language, ["keyword": PeerText.quote(keyword), "software": software])
        case .startTLSReply(let reply):
            return LocalizedText(en: "the STARTTLS go-ahead {reply} is {software}'s wording",
                                 ja: "STARTTLS への応答 {reply} は {software} の文言です")(
                language, ["reply": reply, "software": software])
        case .hostName(let name):
            return LocalizedText(en: "{name} is a host name {provider} publishes",
                                 ja: "{name} は {provider} が公開しているサーバー名です")(
                language, ["name": name, "provider": identification.provider?.displayName ?? ""])
        case .userChoice:
            return LocalizedText(en: "given with --server-software", ja: "--server-software で指定されました")(language)
        }
    }

    /// One line: the name, how sure, and every piece of evidence.
    public static func line(_ identification: ServerIdentification, _ language: Language) -> String {
        let reasons = identification.evidence.map { evidence($0, of: identification, language) }
        let separator = language == .ja ? "。" : "; "
        let open = language == .ja ? "（" : " ("
        let close = language == .ja ? "）" : ")"
        return name(identification, language) + open + confidence(identification.confidence, language) + close
            + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: separator))
    }

    /// The evidence as a stable machine value for JSON: kind and the observed text.
    public static func jsonEvidence(_ evidence: ServerIdentification.Evidence) -> (kind: String, value: String?) {
        switch evidence {
        case .greetingNames(let word): ("greeting", word)
        case .implementationNames(let text): ("pop3-implementation", text)
        case .capability(let keyword): ("capability", keyword)
        case .startTLSReply(let reply): ("starttls-reply", reply)
        case .hostName(let name): ("host-name", name)
        case .userChoice: ("user-choice", nil)
        }
    }
}
