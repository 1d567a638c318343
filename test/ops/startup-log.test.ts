// What the server logs when it starts: enough to see how it is wired, never a credential from its settings.
import { startGatewayProcess } from '../support/gateway-process';

describe('start-up log', () => {
  it('names the upstreams without the user name and password an operator put in their URLs', async () => {
    const gateway = await startGatewayProcess({
      env: {
        UPSTREAM_US: 'http://gw:us-s3cret@127.0.0.1:9001/base',
        UPSTREAM_EU: 'https://gw:eu-s3cret@127.0.0.1:9002',
        LOG_LEVEL: 'info',
      },
    });
    try {
      const listening = await gateway.waitForLog((l) => l.json?.msg === 'maintenance-gateway listening');
      expect(listening.line).toContain('127.0.0.1:9001/base');
      expect(gateway.logs.map((l) => l.line).join('\n')).not.toMatch(/s3cret/);
    } finally {
      await gateway.stop();
    }
  });
});
