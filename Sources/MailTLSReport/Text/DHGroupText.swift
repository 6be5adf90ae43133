import MailTLSCheck
import MailTLSCore

/// A DH group in the reader's language, from its size and its published group's key (`FiniteFieldGroup`):
/// "1024 bits, RFC 2409 group 2 (Oakley), anonymous suites only" or
/// "1024 ビット、RFC 2409 のグループ 2（Oakley）、匿名の暗号スイートのみ".
enum DHGroupText {
    static func describe(_ group: FiniteFieldGroup, _ language: Language) -> String {
        describe(bits: group.bits, published: group.publishedName, anonymousOnly: group.anonymousOnly, language)
    }

    static func describe(bits: Int, published: String?, anonymousOnly: Bool, _ language: Language) -> String {
        var parts = [language == .ja ? "\(bits) ビット" : "\(bits) bits"]
        if let published { parts.append(name(published, language)) }
        if anonymousOnly {
            parts.append(LocalizedText(en: "anonymous suites only", ja: "匿名の暗号スイートのみ")(language))
        }
        return parts.joined(separator: language == .ja ? "、" : ", ")
    }

    /// `FiniteFieldGroup.evidence` ("DH 1024 rfc2409-2 DH_anon; DH 2048") in words, each group on its own.
    static func describe(evidence: String, _ language: Language) -> String {
        evidence.components(separatedBy: "; ").map { item in
            let words = item.split(separator: " ").map(String.init)
            guard words.count >= 2, words[0] == "DH", let bits = Int(words[1]) else { return item }
            let published = words.dropFirst(2).first { $0 != "DH_anon" }
            return describe(bits: bits, published: published, anonymousOnly: words.contains("DH_anon"), language)
        }.joined(separator: language == .ja ? "。" : "; ")
    }

    /// "rfc2409-2" → "RFC 2409 group 2 (Oakley)"; ffdhe names stay as they are.
    static func name(_ key: String, _ language: Language) -> String {
        let parts = key.split(separator: "-")
        guard key.hasPrefix("rfc"), parts.count == 2 else { return key }
        let rfc = String(parts[0].dropFirst(3))
        let number = String(parts[1])
        let oakley = rfc == "2409"
        switch language {
        case .ja: return "RFC \(rfc) のグループ \(number)" + (oakley ? "（Oakley）" : "")
        case .en: return "RFC \(rfc) group \(number)" + (oakley ? " (Oakley)" : "")
        }
    }
}
