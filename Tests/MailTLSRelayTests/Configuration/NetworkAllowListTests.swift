import Testing

@testable import MailTLSRelay

@Suite struct NetworkAllowListTests {
    @Test func ipv4BlocksAndSingleAddresses() throws {
        let list = try NetworkAllowList(["192.168.10.0/24", "10.0.0.5"])
        #expect(list.allows("192.168.10.1") && list.allows("192.168.10.255"))
        #expect(!list.allows("192.168.11.1"))
        #expect(list.allows("10.0.0.5") && !list.allows("10.0.0.6"))
        // Seen on a dual-stack listener.
        #expect(list.allows("::ffff:192.168.10.9"))
        #expect(!list.allows("not an address") && !list.allows(""))
    }

    @Test func ipv6Blocks() throws {
        let list = try NetworkAllowList(["fd00::/8", "2001:db8::1"])
        #expect(list.allows("fd12:3456::1") && !list.allows("fe80::1"))
        #expect(list.allows("2001:db8::1") && !list.allows("2001:db8::2"))
        #expect(list.allows("2001:0db8:0000:0000:0000:0000:0000:0001"))
    }

    @Test func loopbackDefault() throws {
        let list = NetworkAllowList.loopback
        #expect(list.allows("127.0.0.1") && list.allows("127.9.9.9") && list.allows("::1"))
        #expect(!list.allows("192.168.1.1") && !list.allows("::2"))
        #expect(list.isLoopbackOnly)
        let everyone = try NetworkAllowList(["0.0.0.0/0"])
        #expect(!everyone.isLoopbackOnly)
    }

    @Test(arguments: ["1.2.3.4/33", "1.2.3", "1.2.3.256", "::1/129", "1:2:3:4:5:6:7:8:9", "a::b::c", "01234::", "x/8",
                      "1.2.3.4/-1", "1.2.3.04444"])
    func malformed(text: String) {
        #expect(throws: NetworkAllowList.ParseError.self) { try NetworkAllowList([text]) }
    }

    @Test func everyPrefixLengthMatchesItsOwnNetworkOnly() throws {
        for length in 0...32 {
            let list = try NetworkAllowList(["203.0.113.77/\(length)"])
            #expect(list.allows("203.0.113.77"))
            // 203 is 0b11001011: 127.x differs in the first bit, 0.x in the first two.
            if length >= 1 { #expect(!list.allows(length == 1 ? "127.0.0.1" : "0.0.0.0")) }
        }
    }
}
