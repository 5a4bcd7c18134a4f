import DialectWire

extension RPCRequest {
    /// The parameters with the dialect's typed accessors.
    var parameters: RPCParameters { RPCParameters(values: values) }
}
