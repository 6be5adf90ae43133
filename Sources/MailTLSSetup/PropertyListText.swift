import MailTLSCore

/// A property list value written as Apple's XML plist text, keys in the order given (so output is stable).
enum PropertyListText {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case array([PropertyListText])
    case dictionary([(key: String, value: PropertyListText)])

    /// A whole document: XML declaration, DOCTYPE and `<plist version="1.0">`.
    var document: String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
        <plist version="1.0">
        \(lines(indent: "").joined(separator: "\n"))
        </plist>

        """
    }

    private func lines(indent: String) -> [String] {
        switch self {
        case .string(let text): ["\(indent)<string>\(MarkupText.escaped(text))</string>"]
        case .integer(let number): ["\(indent)<integer>\(number)</integer>"]
        case .bool(let flag): ["\(indent)<\(flag ? "true" : "false")/>"]
        case .array(let items):
            ["\(indent)<array>"] + items.flatMap { $0.lines(indent: indent + "\t") } + ["\(indent)</array>"]
        case .dictionary(let entries):
            ["\(indent)<dict>"]
                + entries.flatMap { entry in
                    ["\(indent)\t<key>\(MarkupText.escaped(entry.key))</key>"] + entry.value.lines(indent: indent + "\t")
                }
                + ["\(indent)</dict>"]
        }
    }
}
