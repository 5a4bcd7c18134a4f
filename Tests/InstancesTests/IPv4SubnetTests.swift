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

    @Test(arguments: ["10.300.0", "10.213", "10.213.0.0", "10.213.0.0/15", "10.213.0.0/25", "10.213.1.0/20", "10.213.0.0/", "a.b.c",
                      "10.213.-1", "10.213.0.0/2x", "10..0", " 10.213.0", "١٠.213.0"])
    func anythingElseIsRefused(text: String) {
        #expect(IPv4Subnet(text) == nil)
    }
}
