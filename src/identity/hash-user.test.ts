import { describe, expect, it } from 'vitest';
import { hashUser, isHashed } from './hash-user.ts';

// SHA-256 of the normalized values, computed independently (`printf '%s' value | sha256sum`).
// The first two and the name vectors are Meta's own documented examples.
const H = {
  john_smith_gmail: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f', // john_smith@gmail.com
  johnsmith_gmail: '3586de92bb3636d0885a12eff961429a32e4ebd764b96f50d85d016f9338d586', // johnsmith@gmail.com
  john_dot_smith_gmail: 'd0c648bc36f12061bec770df216cea2ab95851b9350fd54b658de53b0407767a', // john.smith@gmail.com
  johnsmith_promo_googlemail: 'c04d03ddd2f2ddfeb6b8b129e53a4caa5c44e85862c0a33990d7d5336e88effd', // johnsmith+promo@googlemail.com
  johnsmith_googlemail: 'b1dd4aa5ffe1507d6883708fdf4f7a88d176b107097b541c6975a70e2b8ffbb8', // johnsmith@googlemail.com
  ph_us: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176', // 16505551212
  ph_us_e164: '1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8', // +16505551212
  ph_br: '029c7290f14c4516673508635f0519db95f7daf42057fd0e4ad1de84c5408a66', // 5511987654321
  ph_br_e164: '38225ec3dccec4189659c110ddc4f3dc9c27539850cb6a9ddae31ae03a5cf441', // +5511987654321
  mary: '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec',
  valery: '08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c', // valéry
  jeong: '8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14', // 정
  joao: 'd147147c3dcbe0ac2756b42297dd7f013f8b2fa6178e209c3f74dc7d752243ef', // joão (NFC)
  nunez: 'ef0f32687101005211851ff737c53e065194a7c1d853ca0c52d7415db5abd3e3', // ñúñez
  saopaulo: '3eda1428ae1aece064071f8d40f08fe2bc59ffa66c171a163caf15122ec4d7f0', // sãopaulo
  zip_us: 'b9a9cf3cd3723a2e91b7c23ecf68456e872b6e5d86e5cab7f3d45a7302da32c7', // 94025
  cep: '9a4a139dfbfcd2fc89a3cb4302dad65a35abd8d29a56c09a962b69c5cf3bca40', // 01310100
  sp: 'be18b85f77fc024db379acf19e8a1ce62307ab7bb1bca395389ecfc2dafaf741',
  dob: '7eaa6e2f3dca12acc11ad21625299f660e38a7510de1e12cf2013dd5274d2926', // 19900517
  f: '252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111',
  m: '62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a',
  br: '885036a0da3dff3c3e05bc79bf49382b12bc5098514ed57ce0875aba1aa2c40d',
  us: '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621',
  ext: '4d156d7bc9c38c000aa1e5b06e46e1f40cafe651f3cabfae9bad48803baf17bf', // ABC-123
  cpf: '7ec94663084bd506d4f0c3e21042df233681fd7426e93f397c921b1d3e397bba', // 12345678909
};

describe('hashUser — Meta documented vectors', () => {
  it('hashes an email as Meta documents', () => {
    expect(hashUser({ email: 'John_Smith@gmail.com' }).em).toEqual([H.john_smith_gmail]);
  });
  it('hashes a US phone with its country code, without + for Meta and with + for E.164', () => {
    const user = hashUser({ phone: '(650)555-1212' }, { defaultPhoneRegion: 'US' });
    expect(user.ph).toEqual([H.ph_us]);
    expect(user.ph_e164).toEqual([H.ph_us_e164]);
  });
  it('hashes names in UTF-8', () => {
    expect(hashUser({ first_name: ['Mary', 'Valéry', '정'] }).fn).toEqual([H.mary, H.valery, H.jeong]);
  });
});

describe('hashUser — computed vectors', () => {
  it('hashes a full Brazilian buyer', () => {
    const user = hashUser(
      {
        email: ' John.Smith@Gmail.com ',
        phone: '(11) 98765-4321',
        first_name: 'João',
        last_name: 'Ñúñez',
        city: 'São Paulo',
        state: 'São Paulo',
        zip: '01310-100',
        country: 'Brasil',
        date_of_birth: '17/05/1990',
        gender: 'Feminino',
        external_id: ' ABC-123 ',
        document: '123.456.789-09',
      },
      { defaultPhoneRegion: 'BR' },
    );
    expect(user).toEqual({
      em: [H.john_dot_smith_gmail],
      em_google: [H.johnsmith_gmail],
      ph: [H.ph_br],
      ph_e164: [H.ph_br_e164],
      fn: [H.joao],
      ln: [H.nunez],
      ct: [H.saopaulo],
      st: [H.sp],
      zp: [H.cep],
      country: [H.br],
      db: [H.dob],
      ge: [H.f],
      external_id: [H.ext],
      document: [H.cpf],
    });
  });

  it('keeps the Meta email and the Google email apart for gmail addresses', () => {
    expect(hashUser({ email: 'John.Smith@gmail.com' })).toEqual({
      em: [H.john_dot_smith_gmail],
      em_google: [H.johnsmith_gmail],
    });
    expect(hashUser({ email: 'JohnSmith+promo@googlemail.com' })).toEqual({
      em: [H.johnsmith_promo_googlemail],
      em_google: [H.johnsmith_googlemail],
    });
    // Meta's example has no dot or tag, so both variants agree.
    expect(hashUser({ email: 'John_Smith@gmail.com' }).em_google).toEqual([H.john_smith_gmail]);
  });

  it('gives em_google = em for non-Google domains', () => {
    const user = hashUser({ email: 'ana@example.com.br' });
    expect(user.em_google).toEqual(user.em);
  });

  it('cuts a US ZIP+4 to 5 digits when the country is the US', () => {
    expect(hashUser({ zip: '94025-1234', country: 'United States' }).zp).toEqual([H.zip_us]);
    expect(hashUser({ zip: '94025-1234' }).zp).toEqual([H.zip_us]);
  });

  it('reads phones in the person’s country before the default region', () => {
    const user = hashUser({ phone: '(650) 555-1212', country: 'USA' }, { defaultPhoneRegion: 'BR' });
    expect(user.ph).toEqual([H.ph_us]);
    expect(user.country).toEqual([H.us]);
  });

  it('accepts Brazilian phones with +55, 55 and trunk 0 prefixes and dedupes them', () => {
    const user = hashUser(
      { phone: ['+55 11 98765-4321', '55 11 98765 4321', '011 98765-4321', '(11) 98765-4321'] },
      { defaultPhoneRegion: 'BR' },
    );
    expect(user.ph).toEqual([H.ph_br]);
    expect(user.ph_e164).toEqual([H.ph_br_e164]);
  });

  it('hashes dob and gender', () => {
    const user = hashUser({ date_of_birth: ['1990-05-17', '19900517', '1990-05-17T03:00:00Z'], gender: ['M', 'male'] });
    expect(user.db).toEqual([H.dob]);
    expect(user.ge).toEqual([H.m]);
  });

  it('drops empty and invalid values, and fields left with nothing', () => {
    const user = hashUser({
      email: ['', 'not-an-email', '  '],
      phone: '123',
      gender: 'unknown',
      country: 'Atlantis',
      date_of_birth: '31/02/1990',
      first_name: 'Mary',
    });
    expect(user).toEqual({ fn: [H.mary] });
  });

  it('returns an empty object for an empty user', () => {
    expect(hashUser({})).toEqual({});
  });
});

describe('hashUser — pre-hashed values', () => {
  const upper = H.john_smith_gmail.toUpperCase();

  it('passes a hash through into every variant of its field, hex lower-cased', () => {
    const user = hashUser({ email: upper, phone: H.ph_br });
    expect(user.em).toEqual([H.john_smith_gmail]);
    expect(user.em_google).toEqual([H.john_smith_gmail]);
    expect(user.ph).toEqual([H.ph_br]);
    expect(user.ph_e164).toEqual([H.ph_br]);
  });

  it('keeps a Parameter Builder appendix unchanged', () => {
    const withAppendix = `${upper}.AQYBAQIA`;
    const user = hashUser({ email: withAppendix, first_name: `${H.mary}.AQYAAQIA` });
    expect(user.em).toEqual([`${H.john_smith_gmail}.AQYBAQIA`]);
    expect(user.em_google).toEqual([`${H.john_smith_gmail}.AQYBAQIA`]);
    expect(user.fn).toEqual([`${H.mary}.AQYAAQIA`]);
  });

  it('dedupes a clear value against its own hash', () => {
    expect(hashUser({ email: ['John_Smith@gmail.com', upper] }).em).toEqual([H.john_smith_gmail]);
  });
});

describe('isHashed', () => {
  it.each([
    [H.mary, true],
    [H.mary.toUpperCase(), true],
    [` ${H.mary} `, true],
    [`${H.mary}.AQYBAQIA`, true],
    [`${H.mary}.abc_DEF-1`, true],
    [H.mary.slice(1), false],
    [`${H.mary}0`, false],
    [`${H.mary}.`, false],
    [`${H.mary}.a b`, false],
    ['john@example.com', false],
    ['g'.repeat(64), false],
  ])('%s → %s', (value, expected) => {
    expect(isHashed(value)).toBe(expected);
  });
});
