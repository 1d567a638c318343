// nginx as the practical ceiling: proxy_pass with upstream keep-alive, one worker (like the single-process gateway), when installed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startService, type Service } from './processes';

export function nginxBinary(): string | null {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not there: try the next place
    }
  }
  return null;
}

export function nginxConfig(prefix: string, port: number, upstreamPort: number, asRoot: boolean): string {
  return `${asRoot ? 'user root;\n' : ''}worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream backend {
    server 127.0.0.1:${upstreamPort};
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`;
}

export async function startNginx(binary: string, logDir: string, port: number, upstreamPort: number): Promise<Service> {
  const prefix = path.join(logDir, 'nginx');
  mkdirSync(prefix, { recursive: true });
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(conf, nginxConfig(prefix, port, upstreamPort, process.getuid?.() === 0));
  return startService({
    name: 'nginx',
    command: binary,
    args: ['-p', prefix, '-c', conf, '-g', 'daemon off;'],
    port,
    logDir,
  });
}
