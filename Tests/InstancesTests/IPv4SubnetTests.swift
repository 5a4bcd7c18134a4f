import Instances
import Testing

@Suite struct IPv4SubnetTests {
    @Test func threeOctetsAreASlash24AsBefore() throws {
        let subnet = try #require(IPv4Subnet("10.213.0"))
        #expect(subnet.description == "10.213.0.0/24")
        #expect(subnet.name == "10.213.0")
        #expect(subnet.hostAddress == "10.213.0.1")
        #expect(subnet.address(index: 1) == "10.213.0.11")
        #expect(subnet.instanceCapacity == 240)
        #expect(subnet.address(index: subnet.instanceCapacity) == "10.213.0.250")
    }

    @Test func aWiderNetworkHoldsThousandsOfInstancesAcrossItsOctets() throws {
        let subnet = try #require(IPv4Subnet("10.213.16.0/20"))
        #expect(subnet.name == "10.213.16.0-20")
        #expect(subnet.hostAddress == "10.213.16.1")
        #expect(subnet.instanceCapacity == 4080)
        #expect(subnet.address(index: 245) == "10.213.16.255")
        #expect(subnet.address(index: 246) == "10.213.17.0")
        #expect(subnet.address(index: 4080) == "10.213.31.250")
        #expect(IPv4Subnet("172.16.0.0/16")?.instanceCapacity == 65_520)
    }

    @Test func overlapIsASharedAddressWhicheverNetworkIsWider() throws {
        let subnet = try #require(IPv4Subnet("10.213.16.0/20"))
        let address = { (text: String) in text.split(separator: ".").reduce(UInt32(0)) { $0 << 8 | UInt32($1)! } }
        #expect(subnet.overlaps(address: address("10.213.31.250"), prefixLength: 32))
        #expect(subnet.overlaps(address: address("10.213.20.1"), prefixLength: 24))
        #expect(subnet.overlaps(address: address("10.9.0.1"), prefixLength: 8), "a /8 interface holds the whole subnet")
        #expect(subnet.overlaps(address: address("192.168.1.1"), prefixLength: 0), "a default network holds everything")
        #expect(!subnet.overlaps(address: address("10.213.32.1"), prefixLength: 24))
        #expect(!subnet.overlaps(address: address("10.213.15.255"), prefixLength: 32))
        #expect(!subnet.overlaps(address: address("10.213.0.1"), prefixLength: 20))
        #expect(!subnet.overlaps(address: address("127.0.0.1"), prefixLength: 8))
    }

    @Test(arguments: ["10.300.0", "10.213", "10.213.0.0", "10.213.0.0/15", "10.213.0.0/25", "10.213.1.0/20", "10.213.0.0/", "a.b.c",
                      "10.213.-1", "10.213.0.0/2x", "10..0", " 10.213.0", "١٠.213.0"])
    func anythingElseIsRefused(text: String) {
        #expect(IPv4Subnet(text) == nil)
    }
}
