// The gateway's entry points: createGateway and the types of its options, handle and parts.
export { createGateway, type GatewayApp, type GatewayHandle, type GatewayOptions } from './create-gateway';
export type { BufferContext, GatewayCore, GatewayParts, IntegrationContext } from './contract';
