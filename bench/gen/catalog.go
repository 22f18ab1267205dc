package gen

import (
	"fmt"
	"math/rand/v2"

	"github.com/ruled/ruled/money"
)

// departments are the top-level categories; every product is in one of
// them and in one of its leaves.
var departments = []string{"footwear", "apparel", "accessories", "gear", "camping", "climbing", "cycling", "water", "kids", "home"}

// leafWords make the 90 leaf categories, 9 per department, in order.
var leafWords = []string{
	"shoes", "boots", "sandals", "trail-running", "slippers", "insoles", "laces", "gaiters", "approach-shoes",
	"jackets", "fleece", "base-layers", "pants", "shorts", "shirts", "dresses", "rain-shells", "insulated-jackets",
	"socks", "hats", "gloves", "belts", "sunglasses", "watches", "winter-accessories", "bandanas", "wallets",
	"backpacks", "duffels", "trekking-poles", "headlamps", "water-bottles", "knives", "navigation", "first-aid", "daypacks",
	"tents", "sleeping-bags", "stoves", "cookware", "chairs", "lanterns", "hammocks", "coolers", "sleeping-pads",
	"harnesses", "ropes", "carabiners", "helmets", "chalk", "belay-devices", "crash-pads", "climbing-shoes", "quickdraws",
	"bike-helmets", "bike-lights", "bike-locks", "jerseys", "bib-shorts", "bike-bags", "pumps", "tubes", "saddles",
	"kayaks", "paddles", "life-vests", "dry-bags", "wetsuits", "swimwear", "snorkels", "paddleboards", "water-shoes",
	"kids-jackets", "kids-shoes", "kids-packs", "baby-carriers", "kids-sleeping-bags", "kids-base-layers", "kids-hats", "kids-gloves", "kids-socks",
	"blankets", "mugs", "candles", "books", "maps", "posters", "gift-cards", "stickers", "games",
}

var brandFirst = []string{"summit", "ridge", "north", "trail", "alpine", "river", "canyon", "glacier", "pine", "storm"}
var brandSecond = []string{"peak", "line", "wind", "works", "gear", "co", "craft", "field", "supply", "outfitters"}

var colors = []string{"black", "red", "blue", "green", "grey", "navy", "orange", "yellow", "white", "brown", "purple", "olive"}

// prices are the unit prices products are given, in cents.
var prices = []int64{999, 1499, 1999, 2499, 2999, 3999, 4999, 5999, 7999, 9999, 12999, 14999, 19999, 24999, 29999}

// Catalog sizes.
const (
	catalogSize = 2000
	brandCount  = 100
)

// Product is one catalog entry; carts are made of products.
type Product struct {
	SKU        string
	Name       string
	Categories []string // [department, leaf]
	Brand      string
	Color      string
	Price      money.Decimal // USD
	Weight     money.Decimal // kg
}

// Catalog is the merchant's products and the vocabulary rules use.
type Catalog struct {
	Products    []Product
	Departments []string
	Leaves      []string // 90 leaf categories
	Brands      []string // 100 brands
	Colors      []string
}

func newCatalog(r *rand.Rand) *Catalog {
	c := &Catalog{Departments: departments, Leaves: leafWords, Colors: colors}
	for _, a := range brandFirst {
		for _, b := range brandSecond {
			c.Brands = append(c.Brands, a+" "+b)
		}
	}
	for i := range catalogSize {
		leaf := r.IntN(len(leafWords))
		dept := departments[leaf/9]
		brand := c.Brands[r.IntN(len(c.Brands))]
		c.Products = append(c.Products, Product{
			SKU:        fmt.Sprintf("NW-%04d", i),
			Name:       fmt.Sprintf("%s %s %d", brand, leafWords[leaf], i),
			Categories: []string{dept, leafWords[leaf]},
			Brand:      brand,
			Color:      colors[r.IntN(len(colors))],
			Price:      money.New(prices[r.IntN(len(prices))], -2),
			Weight:     money.New(int64(1+r.IntN(40)), -1),
		})
	}
	return c
}
