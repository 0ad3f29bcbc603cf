import { describe, expect, it } from 'vitest';
import { DecisionCache } from '../../lambda/images/decision-cache.ts';
import { compileMappings } from '../helpers/admission.ts';

const one = compileMappings({ version: 1, registries: { 'docker.io': 'a.example.com/hub' } });
const two = compileMappings({ version: 1, registries: { 'docker.io': 'b.example.com/hub' } });

describe('DecisionCache', () => {
  it('answers a repeated image from the cache, with the same decision', () => {
    const cache = new DecisionCache(10);
    const decide = cache.decider(one);
    const first = decide('nginx');
    expect(decide('nginx')).toBe(first);
    expect(cache.size).toBe(1);
  });

  it('never holds more than its bound, evicting the least recently used', () => {
    const cache = new DecisionCache(3);
    const decide = cache.decider(one);
    const a = decide('a');
    decide('b');
    decide('c');
    decide('a'); // a is now the most recent
    decide('d'); // evicts b
    expect(cache.size).toBe(3);
    expect(decide('a')).toBe(a);
    const b = decide('b');
    expect(b.image).toBe('a.example.com/hub/library/b');
    expect(cache.size).toBe(3);
  });

  it('decides but does not keep strings longer than real references', () => {
    const cache = new DecisionCache(10);
    const decide = cache.decider(one);
    expect(decide('a'.repeat(600)).kind).toBe('invalid');
    expect(cache.size).toBe(0);
  });

  it('forgets everything when the mappings change', () => {
    const cache = new DecisionCache(10);
    expect(cache.decider(one)('nginx').image).toBe('a.example.com/hub/library/nginx');
    expect(cache.decider(two)('nginx').image).toBe('b.example.com/hub/library/nginx');
    expect(cache.size).toBe(1);
  });
});
