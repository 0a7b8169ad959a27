/**
 * Reference data for normalizing countries and states: ISO-3166-1 alpha-2 codes, country names in the
 * languages Rastro's users type them in (English, Portuguese, Spanish via ICU, plus common aliases),
 * and state/province names for the US, Brazil and Canada.
 */

/** Every officially assigned ISO-3166-1 alpha-2 code (249), upper case. */
export const ISO_COUNTRY_CODES: ReadonlySet<string> = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY ' +
    'BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK ' +
    'FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR ' +
    'IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ' +
    'ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM ' +
    'PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF ' +
    'TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

/**
 * Folds a free-text place name into a lookup key: accents removed, lower case, letters only.
 * "São Paulo" → "saopaulo", "United States of America" → "unitedstatesofamerica".
 */
export const placeKey = (value: string): string =>
  value
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');

/** Aliases ICU display names do not cover (abbreviations, alpha-3 codes, informal names). */
const COUNTRY_ALIASES: Record<string, string> = {
  usa: 'us',
  eua: 'us',
  eeuu: 'us',
  america: 'us',
  unitedstatesofamerica: 'us',
  estadosunidosdaamerica: 'us',
  estadosunidosdeamerica: 'us',
  uk: 'gb',
  greatbritain: 'gb',
  england: 'gb',
  scotland: 'gb',
  wales: 'gb',
  northernireland: 'gb',
  reinounido: 'gb',
  holland: 'nl',
  bra: 'br',
  brasil: 'br',
  gbr: 'gb',
  prt: 'pt',
  esp: 'es',
  fra: 'fr',
  deu: 'de',
  ita: 'it',
  arg: 'ar',
  mex: 'mx',
  col: 'co',
  chl: 'cl',
  per: 'pe',
  ury: 'uy',
  pry: 'py',
  bol: 'bo',
  ecu: 'ec',
  ven: 've',
  can: 'ca',
  aus: 'au',
  jpn: 'jp',
  chn: 'cn',
  ind: 'in',
  ago: 'ao',
  moz: 'mz',
};

const buildCountryNames = (): Map<string, string> => {
  const names = new Map<string, string>();
  for (const locale of ['en', 'pt', 'es']) {
    const display = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' });
    for (const code of ISO_COUNTRY_CODES) {
      const name = display.of(code);
      if (name) names.set(placeKey(name), code.toLowerCase());
    }
  }
  for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) names.set(alias, code);
  return names;
};

/** Country name (as `placeKey`) → ISO-2 lower case. */
export const COUNTRY_NAMES: ReadonlyMap<string, string> = buildCountryNames();

/** US states, DC and inhabited territories: `placeKey(name)` → USPS code. */
export const US_STATES: Readonly<Record<string, string>> = {
  alabama: 'al',
  alaska: 'ak',
  arizona: 'az',
  arkansas: 'ar',
  california: 'ca',
  colorado: 'co',
  connecticut: 'ct',
  delaware: 'de',
  districtofcolumbia: 'dc',
  florida: 'fl',
  georgia: 'ga',
  hawaii: 'hi',
  idaho: 'id',
  illinois: 'il',
  indiana: 'in',
  iowa: 'ia',
  kansas: 'ks',
  kentucky: 'ky',
  louisiana: 'la',
  maine: 'me',
  maryland: 'md',
  massachusetts: 'ma',
  michigan: 'mi',
  minnesota: 'mn',
  mississippi: 'ms',
  missouri: 'mo',
  montana: 'mt',
  nebraska: 'ne',
  nevada: 'nv',
  newhampshire: 'nh',
  newjersey: 'nj',
  newmexico: 'nm',
  newyork: 'ny',
  northcarolina: 'nc',
  northdakota: 'nd',
  ohio: 'oh',
  oklahoma: 'ok',
  oregon: 'or',
  pennsylvania: 'pa',
  rhodeisland: 'ri',
  southcarolina: 'sc',
  southdakota: 'sd',
  tennessee: 'tn',
  texas: 'tx',
  utah: 'ut',
  vermont: 'vt',
  virginia: 'va',
  washington: 'wa',
  westvirginia: 'wv',
  wisconsin: 'wi',
  wyoming: 'wy',
  puertorico: 'pr',
  guam: 'gu',
  americansamoa: 'as',
  usvirginislands: 'vi',
  northernmarianaislands: 'mp',
};

/** Brazilian states and the Federal District: `placeKey(name)` → UF code. */
export const BR_STATES: Readonly<Record<string, string>> = {
  acre: 'ac',
  alagoas: 'al',
  amapa: 'ap',
  amazonas: 'am',
  bahia: 'ba',
  ceara: 'ce',
  distritofederal: 'df',
  espiritosanto: 'es',
  goias: 'go',
  maranhao: 'ma',
  matogrosso: 'mt',
  matogrossodosul: 'ms',
  minasgerais: 'mg',
  para: 'pa',
  paraiba: 'pb',
  parana: 'pr',
  pernambuco: 'pe',
  piaui: 'pi',
  riodejaneiro: 'rj',
  riograndedonorte: 'rn',
  riograndedosul: 'rs',
  rondonia: 'ro',
  roraima: 'rr',
  santacatarina: 'sc',
  saopaulo: 'sp',
  sergipe: 'se',
  tocantins: 'to',
};

/** Canadian provinces and territories: `placeKey(name)` → postal abbreviation. */
export const CA_PROVINCES: Readonly<Record<string, string>> = {
  alberta: 'ab',
  britishcolumbia: 'bc',
  manitoba: 'mb',
  newbrunswick: 'nb',
  newfoundlandandlabrador: 'nl',
  northwestterritories: 'nt',
  novascotia: 'ns',
  nunavut: 'nu',
  ontario: 'on',
  princeedwardisland: 'pe',
  quebec: 'qc',
  saskatchewan: 'sk',
  yukon: 'yt',
};
