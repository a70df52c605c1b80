// Demo data for a fresh install: an admin, an auditor, three merchants with staff, locations,
// categories, products and stock, and three buyers with wallet balances. Everything goes through
// the module services, so every fact is in the ledger like any other. Running it twice changes
// nothing: the admin's e-mail marks a seeded database.
import type { App } from '../app.ts';
import { seedDemoBehaviour } from '../recommendations/demo.ts';

export const DEMO_PASSWORD = 'chainmall-demo';

export interface DemoCredentials {
  role: string;
  email: string;
  password: string;
  merchant?: string;
}

interface DemoProduct {
  title: string;
  description: string;
  category: string;
  image: string;
  variants: { sku: string; title: string; priceMinor: number; stock: number; options?: Record<string, string> }[];
}

const MERCHANTS: { name: string; slug: string; payOnReceipt: boolean; commissionBps: number; staff: string; location: string; products: DemoProduct[] }[] = [
  {
    name: 'West Lake Tea House', slug: 'west-lake-tea', payOnReceipt: true, commissionBps: 500, staff: 'tea@chainmall.test', location: 'Hangzhou warehouse',
    products: [
      { title: 'Longjing green tea, spring harvest', description: 'Hand-fired Dragon Well tea from West Lake, 250 g tin', category: 'tea', image: 'https://images.example.com/longjing.jpg',
        variants: [{ sku: 'LJ-250', title: '250 g tin', priceMinor: 16800, stock: 120 }, { sku: 'LJ-500', title: '500 g tin', priceMinor: 31800, stock: 40 }] },
      { title: 'Yixing clay teapot', description: 'Zisha clay teapot, hand made, 200 ml', category: 'tea', image: 'https://images.example.com/yixing.jpg',
        variants: [{ sku: 'YX-200', title: '200 ml', priceMinor: 45900, stock: 8 }] },
      { title: 'Pu-erh cake, 2015 vintage', description: 'Aged raw pu-erh from Yunnan, 357 g cake', category: 'tea', image: 'https://images.example.com/puerh.jpg',
        variants: [{ sku: 'PE-357', title: '357 g cake', priceMinor: 29900, stock: 25 }] },
    ],
  },
  {
    name: 'Silk Road Apparel', slug: 'silk-road-apparel', payOnReceipt: false, commissionBps: 800, staff: 'apparel@chainmall.test', location: 'Suzhou depot',
    products: [
      { title: 'Mulberry silk scarf', description: '100% mulberry silk, hand-rolled edges', category: 'apparel', image: 'https://images.example.com/scarf.jpg',
        variants: [{ sku: 'SC-RED', title: 'Red', priceMinor: 25900, stock: 30, options: { color: 'red' } }, { sku: 'SC-BLU', title: 'Blue', priceMinor: 25900, stock: 30, options: { color: 'blue' } }] },
      { title: 'Linen shirt', description: 'Breathable linen shirt, relaxed fit', category: 'apparel', image: 'https://images.example.com/shirt.jpg',
        variants: [
          { sku: 'LS-M', title: 'M', priceMinor: 39900, stock: 15, options: { size: 'M' } },
          { sku: 'LS-L', title: 'L', priceMinor: 39900, stock: 4, options: { size: 'L' } },
        ] },
    ],
  },
  {
    name: 'Pixel Gadgets', slug: 'pixel-gadgets', payOnReceipt: true, commissionBps: 300, staff: 'gadgets@chainmall.test', location: 'Shenzhen hub',
    products: [
      { title: 'Wireless earbuds', description: 'Bluetooth 5.3 earbuds with charging case, 30 h battery', category: 'electronics', image: 'https://images.example.com/earbuds.jpg',
        variants: [{ sku: 'EB-WHT', title: 'White', priceMinor: 19900, stock: 60, options: { color: 'white' } }] },
      { title: 'USB-C power bank 20000 mAh', description: 'Fast charging power bank, 65 W USB-C', category: 'electronics', image: 'https://images.example.com/powerbank.jpg',
        variants: [{ sku: 'PB-20K', title: '20000 mAh', priceMinor: 15900, stock: 3 }] },
    ],
  },
];

const BUYERS = [
  { email: 'alice@chainmall.test', fundsMinor: 500_000n, name: 'Alice Wang', phone: '+86 138 0013 8000', address: { label: 'home', country: 'CN', region: 'Zhejiang', city: 'Hangzhou', line1: '18 Wensan Road', postalCode: '310012' } },
  { email: 'bob@chainmall.test', fundsMinor: 200_000n, name: 'Bob Li', phone: '+86 139 0139 9000', address: { label: 'office', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue', line2: 'Floor 21', postalCode: '200120' } },
  { email: 'carol@chainmall.test', fundsMinor: 50_000n, name: 'Carol Zhang', phone: '+86 137 0137 7000', address: { label: 'home', country: 'CN', city: 'Beijing', line1: '5 Jianguomen Outer Street', postalCode: '100022' } },
];

/** Seeds the demo unless already seeded; returns the credentials (also when it was seeded before). */
export async function seedDemo(app: App): Promise<{ created: boolean; credentials: DemoCredentials[] }> {
  const credentials: DemoCredentials[] = [
    { role: 'admin', email: 'admin@chainmall.test', password: DEMO_PASSWORD },
    { role: 'auditor', email: 'auditor@chainmall.test', password: DEMO_PASSWORD },
    ...MERCHANTS.map((m) => ({ role: 'merchant_staff', email: m.staff, password: DEMO_PASSWORD, merchant: m.name })),
    ...BUYERS.map((b) => ({ role: 'buyer', email: b.email, password: DEMO_PASSWORD })),
  ];
  const seeded = await app.accounts.findByEmail('admin@chainmall.test');
  if (seeded) return { created: false, credentials };

  const { user: admin } = await app.accounts.createUser('system', { email: 'admin@chainmall.test', password: DEMO_PASSWORD, role: 'admin' });
  await app.accounts.createUser(admin.id, { email: 'auditor@chainmall.test', password: DEMO_PASSWORD, role: 'auditor' });
  const categories = new Map<string, string>();
  for (const [slug, name] of [['tea', 'Tea'], ['apparel', 'Apparel'], ['electronics', 'Electronics']] as const) {
    categories.set(slug, (await app.catalog.createCategory(admin.id, { name, slug })).id);
  }
  // Tea pays a lower commission everywhere: a category rule over the merchants' rates.
  await app.catalog.setCommissionRule(admin.id, { categoryId: categories.get('tea')!, bps: 400 });

  for (const m of MERCHANTS) {
    const merchant = await app.catalog.createMerchant(admin.id, { name: m.name, slug: m.slug, payOnReceipt: m.payOnReceipt, commissionBps: m.commissionBps });
    const { user: staff } = await app.accounts.createUser(admin.id, { email: m.staff, password: DEMO_PASSWORD, role: 'merchant_staff', merchantId: merchant.id });
    const actor = { userId: staff.id, merchantId: merchant.id };
    const location = await app.inventory.createLocation(actor, { name: m.location, code: m.slug.slice(0, 8).toUpperCase() });
    for (const p of m.products) {
      const product = await app.catalog.createProduct(merchant.id, staff.id, {
        title: p.title,
        description: p.description,
        categoryId: categories.get(p.category)!,
        status: 'active',
        images: [{ url: p.image, alt: p.title }],
        variants: p.variants.map((v) => ({ sku: v.sku, title: v.title, priceMinor: v.priceMinor, ...(v.options ? { options: v.options } : {}) })),
      });
      for (const v of product.variants) {
        const spec = p.variants.find((x) => x.sku === v.sku)!;
        await app.inventory.setStock(actor, { variantId: v.id, locationId: location.id, onHand: spec.stock });
      }
    }
  }

  for (const b of BUYERS) {
    const { user } = await app.accounts.createUser('system', { email: b.email, password: DEMO_PASSWORD, role: 'buyer' });
    if (app.config.devTopUp) await app.wallet.devTopUp(user.id, { amountMinor: b.fundsMinor });
    // A profile to show and addresses to pick at checkout: stored sealed with the buyer's own key.
    await app.privacy.updateProfile({ userId: user.id, role: 'buyer', via: 'session' }, { name: b.name, phone: b.phone, addresses: [{ ...b.address, recipient: b.name, phone: b.phone }] });
  }

  // ---- Recommendations demo: the buyers and some anonymous visitors consent, browse and buy
  // (generated sessions, ingested through analytics), and the model is built from them.
  const buyerIds = (await Promise.all(BUYERS.map((b) => app.accounts.findByEmail(b.email)))).flatMap((u) => (u ? [u.id] : []));
  await seedDemoBehaviour(app, buyerIds);
  return { created: true, credentials };
}

export function printCredentials(credentials: DemoCredentials[], log: (line: string) => void = console.log): void {
  log(`demo accounts (password ${DEMO_PASSWORD}):`);
  for (const c of credentials) log(`  ${c.role.padEnd(15)} ${c.email}${c.merchant ? `  (${c.merchant})` : ''}`);
}
