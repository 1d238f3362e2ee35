/** One CDN or reverse-proxy operator whose addresses hide the real host. */
export interface CdnOperator {
  /** Name shown in observations (`cdn`), e.g. `Cloudflare`. */
  readonly name: string;
  /** The legal entity operating the network. */
  readonly company: string;
  /** ISO 3166-1 alpha-2 country of that entity: the jurisdiction of a masked host. */
  readonly country: string;
  readonly kind: 'cdn' | 'reverse-proxy';
  /** Autonomous systems used only for the CDN or proxy service. */
  readonly asns: readonly number[];
  /**
   * Address blocks of the service inside an ASN that also carries ordinary
   * hosting (Amazon): only these mask, the rest of the ASN is a real host.
   */
  readonly prefixes?: readonly string[];
  /** Where the ASNs, prefixes and country come from. */
  readonly source: string;
}

const ASN_DATA = 'AS numbers and holder names as in @ip-location-db/asn 2.3.2026061719 (RouteViews/DB-IP); PeeringDB';

/**
 * The CDN and reverse-proxy operators the locator recognises. Whole ASNs where
 * the operator uses them only for the proxy service; Amazon CloudFront by its
 * published prefixes, because AS16509 is also EC2 (a site on EC2 in Frankfurt
 * is hosted in DE, not masked). Linode (AS63949, Akamai Cloud) is hosting, not
 * CDN, and is deliberately absent; so is Google Cloud (AS396982).
 */
export const CDN_OPERATORS: readonly CdnOperator[] = [
  {
    name: 'Cloudflare',
    company: 'Cloudflare, Inc.',
    country: 'US',
    kind: 'reverse-proxy',
    asns: [13335, 209242, 14789, 132892, 139242, 202623, 203898, 394536, 395747, 400095],
    source: `${ASN_DATA}; https://www.cloudflare.com/ips/`,
  },
  {
    name: 'Akamai',
    company: 'Akamai Technologies, Inc.',
    country: 'US',
    kind: 'cdn',
    asns: [20940, 16625, 12222, 17204, 18680, 18717, 21342, 24319, 26008, 31108, 31984, 32787, 33047, 33905, 34164, 35204, 35994, 36029, 36183, 43639, 49846, 55770, 200005, 213120, 393234, 393560],
    source: `${ASN_DATA} (holder "Akamai Technologies, Inc." or "Akamai International B.V."; AS32787 is Prolexic, Akamai's DDoS proxy)`,
  },
  {
    name: 'Fastly',
    company: 'Fastly, Inc.',
    country: 'US',
    kind: 'cdn',
    asns: [54113],
    source: `${ASN_DATA}; https://api.fastly.com/public-ip-list`,
  },
  {
    name: 'Amazon CloudFront',
    company: 'Amazon.com, Inc.',
    country: 'US',
    kind: 'cdn',
    asns: [],
    prefixes: [
      '3.160.0.0/14', '3.164.0.0/18', '3.164.64.0/18', '3.164.128.0/17', '3.165.0.0/16', '3.166.0.0/15', '3.168.0.0/14',
      '3.172.0.0/18', '3.172.64.0/18', '3.173.0.0/17', '3.173.128.0/18', '3.173.192.0/18', '3.174.0.0/15', '13.32.0.0/15',
      '13.35.0.0/16', '13.224.0.0/14', '13.249.0.0/16', '15.158.0.0/16', '18.64.0.0/14', '18.68.0.0/16', '18.154.0.0/15',
      '18.160.0.0/15', '18.164.0.0/15', '18.172.0.0/15', '18.238.0.0/15', '18.244.0.0/15', '23.91.0.0/19', '24.110.32.0/19',
      '36.103.232.0/25', '36.103.232.128/26', '52.46.0.0/18', '52.82.128.0/19', '52.84.0.0/15', '52.124.128.0/17',
      '52.222.128.0/17', '54.182.0.0/16', '54.192.0.0/16', '54.230.0.0/17', '54.230.128.0/18', '54.230.200.0/21',
      '54.230.208.0/20', '54.230.224.0/19', '54.239.128.0/18', '54.239.192.0/19', '54.240.128.0/18', '58.254.138.0/25',
      '58.254.138.128/26', '64.252.64.0/18', '64.252.128.0/18', '65.8.0.0/16', '65.9.0.0/17', '65.9.128.0/18', '70.132.0.0/18',
      '71.152.0.0/17', '99.84.0.0/16', '99.86.0.0/16', '108.138.0.0/15', '108.156.0.0/14', '111.13.171.128/26',
      '111.13.171.192/26', '111.13.185.32/27', '111.13.185.64/27', '116.129.226.0/25', '116.129.226.128/26', '118.193.97.64/26',
      '118.193.97.128/25', '119.147.182.0/25', '119.147.182.128/26', '120.52.12.64/26', '120.52.22.96/27', '120.52.39.128/27',
      '120.52.153.192/26', '120.232.236.0/25', '120.232.236.128/26', '120.253.240.192/26', '120.253.241.160/27',
      '120.253.245.128/26', '120.253.245.192/27', '130.176.0.0/17', '130.176.128.0/18', '130.176.192.0/19', '130.176.224.0/20',
      '143.204.0.0/16', '144.220.0.0/16', '180.163.57.0/25', '180.163.57.128/26', '204.246.164.0/22', '204.246.168.0/22',
      '204.246.172.0/24', '204.246.173.0/24', '204.246.174.0/23', '204.246.176.0/20', '205.251.202.0/23', '205.251.204.0/23',
      '205.251.206.0/23', '205.251.208.0/20', '205.251.249.0/24', '205.251.250.0/23', '205.251.252.0/23', '205.251.254.0/24',
      '216.137.32.0/19', '2600:9000::/28',
    ],
    source: 'AWS CLOUDFRONT_GLOBAL_IP_LIST (https://d7uri8nf7uskq.cloudfront.net/tools/list-cloudfront-ips) and the CLOUDFRONT prefixes of https://ip-ranges.amazonaws.com/ip-ranges.json',
  },
  {
    name: 'Google',
    company: 'Google LLC',
    country: 'US',
    kind: 'reverse-proxy',
    asns: [15169, 36040, 43515],
    source: `${ASN_DATA}: Google front ends (Blogger, Sites, Firebase Hosting, YouTube); Google Cloud customer VMs (AS396982) are hosting`,
  },
  {
    name: 'DDoS-Guard',
    company: 'DDOS-GUARD LTD',
    country: 'RU',
    kind: 'reverse-proxy',
    asns: [57724, 49612],
    source: `${ASN_DATA}; RIPE org of AS57724 in Rostov-on-Don (geo-whois-asn-country: RU)`,
  },
  {
    name: 'Sucuri',
    company: 'Sucuri Inc. (GoDaddy)',
    country: 'US',
    kind: 'reverse-proxy',
    asns: [30148],
    source: `${ASN_DATA}; https://docs.sucuri.net/website-firewall/`,
  },
  {
    name: 'StormWall',
    company: 'StormWall s.r.o.',
    country: 'SK',
    kind: 'reverse-proxy',
    asns: [59796],
    source: `${ASN_DATA}; RIPE org of AS59796 in Bratislava`,
  },
  {
    name: 'Imperva',
    company: 'Imperva Inc. (Incapsula)',
    country: 'US',
    kind: 'reverse-proxy',
    asns: [19551, 14960, 62571],
    source: `${ASN_DATA} (holders "Incapsula Inc" and "IMPERVA INC")`,
  },
  {
    name: 'Qrator',
    company: 'Qrator Labs CZ s.r.o.',
    country: 'CZ',
    kind: 'reverse-proxy',
    asns: [200449, 209671],
    source: ASN_DATA,
  },
  {
    name: 'Bunny CDN',
    company: 'BUNNYWAY, informacijske storitve d.o.o.',
    country: 'SI',
    kind: 'cdn',
    asns: [200325],
    source: ASN_DATA,
  },
  {
    name: 'Edgio (Edgecast)',
    company: 'Edgecast Inc.',
    country: 'US',
    kind: 'cdn',
    asns: [15133, 14210],
    source: ASN_DATA,
  },
];
