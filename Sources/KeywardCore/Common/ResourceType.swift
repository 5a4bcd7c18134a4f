/// Resource type names shared by tags, ARNs and listings.
public enum ResourceType {
    public static let keyPair = "keypair"
    public static let instance = "instance"
}
