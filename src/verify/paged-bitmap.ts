/**
 * A set of sequence numbers as bits, in pages allocated as they are touched: a producer's records in one partition
 * take about a bit each (a sequence's page is shared by the few partitions its neighbours went to), never a number each.
 */
const PAGE_BITS = 4096;
const PAGE_WORDS = PAGE_BITS / 32;

export class PagedBitmap {
  private readonly pages = new Map<number, Uint32Array>();

  has(bit: number): boolean {
    const page = this.pages.get(Math.floor(bit / PAGE_BITS));
    const at = bit % PAGE_BITS;
    return page !== undefined && (page[at >>> 5] & (1 << (at & 31))) !== 0;
  }

  /** Sets a bit; returns whether it was set already. */
  add(bit: number): boolean {
    const page = this.pageOf(Math.floor(bit / PAGE_BITS));
    const at = bit % PAGE_BITS;
    const mask = 1 << (at & 31);
    const was = (page[at >>> 5] & mask) !== 0;
    page[at >>> 5] |= mask;
    return was;
  }

  /** Sets `count` bits from `first` on, a page at a time. */
  addRange(first: number, count: number): void {
    const end = first + count;
    for (let bit = first; bit < end;) {
      const number = Math.floor(bit / PAGE_BITS);
      const page = this.pageOf(number);
      const pageStart = number * PAGE_BITS;
      for (const pageEnd = Math.min(end, pageStart + PAGE_BITS); bit < pageEnd; bit++) {
        const at = bit - pageStart;
        page[at >>> 5] |= 1 << (at & 31);
      }
    }
  }

  private pageOf(number: number): Uint32Array {
    let page = this.pages.get(number);
    if (!page) this.pages.set(number, page = new Uint32Array(PAGE_WORDS));
    return page;
  }

  /** Bits set here that are also set in `alsoIn` (when given) and set in none of `notIn`. */
  count(alsoIn: PagedBitmap | undefined, notIn: readonly PagedBitmap[]): number {
    let total = 0;
    for (const [number, page] of this.pages) {
      const also = alsoIn?.pages.get(number);
      if (alsoIn && !also) continue;
      const nots = notIn.map((other) => other.pages.get(number)).filter((p): p is Uint32Array => p !== undefined);
      for (let w = 0; w < PAGE_WORDS; w++) {
        let word = page[w];
        if (also) word &= also[w];
        for (const not of nots) word &= ~not[w];
        total += bitsIn(word);
      }
    }
    return total;
  }
}

/** Set bits of a 32-bit word (the classic parallel count). */
function bitsIn(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
