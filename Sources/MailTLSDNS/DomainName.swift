/// Domain names as mailtls compares and accepts them.
public enum DomainName {
    /// Lower case without the root's trailing dot: `MX1.Example.COM.` and `mx1.example.com` are one name.
    public static func canonical(_ name: String) -> String {
        var lower = name.lowercased()
        if lower.hasSuffix(".") { lower.removeLast() }
        return lower
    }

    /// The canonical form of a mail domain typed by a user, or nil when it is not one: at least two labels of 1-63
    /// letters, digits, hyphens or underscores that neither start nor end with a hyphen, 253 characters at most.
    public static func validated(_ text: String) -> String? {
        let domain = canonical(text.trimmingWhitespace())
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard !domain.isEmpty, domain.count <= 253, labels.count >= 2,
              labels.allSatisfy({ label in
                  !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                      && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
              })
        else { return nil }
        return domain
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
