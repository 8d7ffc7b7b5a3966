/**
 * lanConfig(), wanConfig() and localConfig() equal Go memberlist's DefaultLANConfig,
 * DefaultWANConfig and DefaultLocalConfig, knob for knob (read from a real Go binary).
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { lanConfig, localConfig, wanConfig } from '../src/core/config.ts';
import { interopBin } from './support/interop.ts';

it('the three profiles equal Go memberlist v0.6.0 defaults', () => {
  const go = JSON.parse(execFileSync(interopBin('gonode'), ['--print-default-configs'], { encoding: 'utf8' }));
  for (const [name, ours] of [
    ['lan', lanConfig()],
    ['wan', wanConfig()],
    ['local', localConfig()],
  ] as const) {
    for (const [knob, value] of Object.entries(go[name])) {
      expect({ profile: name, knob, value: (ours as unknown as Record<string, unknown>)[knob] }).toEqual({
        profile: name,
        knob,
        value,
      });
    }
  }
});
