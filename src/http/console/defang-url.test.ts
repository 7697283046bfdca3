import { describe, expect, it } from 'vitest';
import { defangUrl } from './defang-url.js';

describe('defangUrl', () => {
  it('breaks the scheme and every dot of the host', () => {
    expect(defangUrl('https://images.be-host.test/gallery/1.jpg?a=b.c')).toBe('hxxps[://]images[.]be-host[.]test/gallery/1.jpg?a=b.c');
    expect(defangUrl('http://192.0.2.10:8080/x')).toBe('hxxp[://]192[.]0[.]2[.]10:8080/x');
  });

  it('leaves nothing a browser or mail client would recognise as a link', () => {
    for (const url of ['https://a.example/', 'HTTP://B.EXAMPLE/x', 'ftp://files.example/f', 'http://abc.onion/']) {
      expect(defangUrl(url)).not.toMatch(/(https?|ftp):\/\//i);
      expect(defangUrl(url)).not.toMatch(/\w\.\w+\//);
    }
  });
});
