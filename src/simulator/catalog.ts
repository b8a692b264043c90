import type { Fuel } from '../car';

/** One model line as sold in Korea, with the years it was on sale and its price when new. */
export interface ModelSpec {
  name: string;
  body: string;
  /** Price when new, in millions of KRW, for the base trim. */
  newPriceM: number;
  weight: number;
  fuels: readonly Fuel[];
  fuelWeights: readonly number[];
  trims: readonly string[];
  from: number;
  to: number;
}

export interface MakeSpec {
  make: string;
  /** World manufacturer identifier: the first three characters of the VIN. */
  wmi: string;
  weight: number;
  models: readonly ModelSpec[];
}

export const FIRST_YEAR = 2005;
export const LAST_YEAR = 2025;

function model(
  name: string,
  body: string,
  newPriceM: number,
  weight: number,
  fuelMix: string,
  trims: readonly string[],
  from = FIRST_YEAR,
  to = LAST_YEAR,
): ModelSpec {
  const pairs = fuelMix.split(' ').map((part) => part.split(':'));
  return {
    name,
    body,
    newPriceM,
    weight,
    fuels: pairs.map(([fuel]) => fuel as Fuel),
    fuelWeights: pairs.map(([, w]) => Number(w)),
    trims,
    from,
    to,
  };
}

/** Rough shares of the Korean used-car market; weights are relative within their list. */
export const CATALOG: readonly MakeSpec[] = [
  {
    make: 'Hyundai',
    wmi: 'KMH',
    weight: 30,
    models: [
      model('Avante', 'sedan', 21, 12, 'gasoline:8 lpg:1 hybrid:2', ['Smart', 'Modern', 'Inspiration', 'N Line']),
      model('Sonata', 'sedan', 29, 10, 'gasoline:6 lpg:3 hybrid:2', ['Premium', 'Exclusive', 'Inspiration']),
      model('Grandeur', 'sedan', 40, 11, 'gasoline:5 hybrid:3 lpg:1 diesel:1', ['Premium', 'Exclusive', 'Calligraphy']),
      model('Tucson', 'suv', 29, 7, 'diesel:4 gasoline:4 hybrid:2', ['Modern', 'Premium', 'Inspiration']),
      model('Santa Fe', 'suv', 36, 8, 'diesel:6 gasoline:2 hybrid:2', ['Exclusive', 'Prestige', 'Calligraphy']),
      model('Palisade', 'suv', 45, 5, 'diesel:5 gasoline:5', ['Exclusive', 'Prestige', 'Calligraphy'], 2018),
      model('Kona', 'suv', 25, 3, 'gasoline:6 hybrid:2 electric:2', ['Modern', 'Premium', 'Inspiration'], 2017),
      model('Ioniq 5', 'suv', 52, 2, 'electric:1', ['Exclusive', 'Prestige'], 2021),
      model('Casper', 'hatchback', 15, 2, 'gasoline:8 electric:2', ['Smart', 'Modern', 'Inspiration'], 2021),
      model('Staria', 'van', 37, 2, 'diesel:7 lpg:3', ['Tourer', 'Lounge'], 2021),
      model('Grand Starex', 'van', 28, 3, 'diesel:7 lpg:3', ['Smart', 'Urban', 'Limousine'], 2007, 2021),
      model('Porter II', 'truck', 20, 5, 'diesel:9 electric:1', ['Super Cab', 'Double Cab'], 2005),
      model('Nexo', 'suv', 70, 0.3, 'hydrogen:1', ['Modern', 'Premium'], 2018),
    ],
  },
  {
    make: 'Kia',
    wmi: 'KNA',
    weight: 26,
    models: [
      model('Morning', 'hatchback', 12, 6, 'gasoline:9 lpg:1', ['Standard', 'Prestige', 'Signature']),
      model('Ray', 'hatchback', 15, 4, 'gasoline:9 electric:1', ['Standard', 'Prestige', 'Signature'], 2011),
      model('K3', 'sedan', 19, 4, 'gasoline:1', ['Trendy', 'Prestige', 'Noblesse'], 2012, 2024),
      model('K5', 'sedan', 28, 9, 'gasoline:6 lpg:2 hybrid:2', ['Prestige', 'Noblesse', 'Signature'], 2010),
      model('K7', 'sedan', 35, 4, 'gasoline:6 lpg:2 hybrid:2', ['Prestige', 'Noblesse', 'Signature'], 2009, 2021),
      model('K8', 'sedan', 42, 4, 'gasoline:5 hybrid:4 lpg:1', ['Noblesse', 'Signature'], 2021),
      model('K9', 'sedan', 60, 1, 'gasoline:1', ['Platinum', 'Masterpiece'], 2012),
      model('Sportage', 'suv', 28, 7, 'diesel:5 gasoline:3 hybrid:2', ['Prestige', 'Noblesse', 'Signature']),
      model('Sorento', 'suv', 37, 9, 'diesel:6 gasoline:1 hybrid:3', ['Prestige', 'Noblesse', 'Signature']),
      model('Carnival', 'van', 40, 8, 'diesel:7 gasoline:3', ['Prestige', 'Noblesse', 'Signature', 'Gravity']),
      model('Seltos', 'suv', 24, 3, 'gasoline:8 diesel:2', ['Trendy', 'Prestige', 'Signature'], 2019),
      model('Niro', 'suv', 30, 2, 'hybrid:7 electric:3', ['Trendy', 'Prestige', 'Noblesse'], 2016),
      model('EV6', 'suv', 55, 1, 'electric:1', ['Light', 'Air', 'Earth', 'GT-Line'], 2021),
      model('Mohave', 'suv', 50, 2, 'diesel:1', ['Platinum', 'Masters'], 2008),
      model('Bongo III', 'truck', 19, 4, 'diesel:8 lpg:1 electric:1', ['Standard Cab', 'King Cab', 'Double Cab']),
    ],
  },
  {
    make: 'Genesis',
    wmi: 'KMT',
    weight: 8,
    models: [
      model('G70', 'sedan', 44, 2, 'gasoline:9 diesel:1', ['2.0T', '2.5T', '3.3T Sport'], 2017),
      model('G80', 'sedan', 58, 6, 'gasoline:8 diesel:1 electric:1', ['2.5T', '3.5T', '3.3 AWD'], 2016),
      model('G90', 'sedan', 95, 1, 'gasoline:1', ['3.5T', '3.5T AWD', '5.0 AWD'], 2019),
      model('EQ900', 'sedan', 85, 1, 'gasoline:1', ['3.8 Premium Luxury', '3.3T Prestige', '5.0 Prestige'], 2015, 2019),
      model('GV70', 'suv', 53, 3, 'gasoline:6 diesel:3 electric:1', ['2.5T', '3.5T', '2.2D'], 2020),
      model('GV80', 'suv', 68, 4, 'gasoline:6 diesel:4', ['2.5T', '3.5T', '3.0D'], 2020),
    ],
  },
  {
    make: 'Chevrolet',
    wmi: 'KL1',
    weight: 4,
    models: [
      model('Spark', 'hatchback', 12, 4, 'gasoline:9 lpg:1', ['LS', 'LT', 'Premier'], 2011, 2022),
      model('Malibu', 'sedan', 27, 4, 'gasoline:8 diesel:1 hybrid:1', ['LS', 'LT', 'Premier'], 2011, 2023),
      model('Trax', 'suv', 22, 2, 'gasoline:8 diesel:2', ['LS', 'LT', 'Activ', 'RS'], 2013),
      model('Trailblazer', 'suv', 25, 2, 'gasoline:1', ['LS', 'LT', 'Activ', 'RS'], 2020),
      model('Colorado', 'truck', 40, 1, 'gasoline:1', ['Extreme', 'Z71'], 2019),
      model('Bolt EV', 'hatchback', 45, 1, 'electric:1', ['LT', 'Premier'], 2017, 2023),
    ],
  },
  {
    make: 'Renault Korea',
    wmi: 'KNM',
    weight: 4,
    models: [
      model('SM5', 'sedan', 25, 2, 'gasoline:5 lpg:5', ['SE', 'LE', 'RE'], 2005, 2019),
      model('SM6', 'sedan', 28, 3, 'gasoline:6 lpg:4', ['SE', 'LE', 'RE', 'Premiere'], 2016),
      model('QM6', 'suv', 29, 4, 'gasoline:4 lpg:4 diesel:2', ['SE', 'LE', 'RE', 'Premiere'], 2016),
      model('XM3', 'suv', 24, 2, 'gasoline:8 hybrid:2', ['SE', 'LE', 'RE'], 2020),
      model('Grand Koleos', 'suv', 38, 1, 'gasoline:4 hybrid:6', ['Techno', 'Iconic', 'Esprit Alpine'], 2024),
    ],
  },
  {
    make: 'KG Mobility',
    wmi: 'KPT',
    weight: 3,
    models: [
      model('Tivoli', 'suv', 21, 3, 'gasoline:8 diesel:2', ['V1', 'V3', 'V5'], 2015),
      model('Korando', 'suv', 26, 2, 'diesel:6 gasoline:4', ['C3', 'C5', 'C7']),
      model('Rexton', 'suv', 40, 2, 'diesel:1', ['Noble', 'Summit']),
      model('Rexton Sports', 'truck', 30, 3, 'diesel:1', ['Wild', 'Prestige', 'Noble'], 2018),
      model('Torres', 'suv', 30, 2, 'gasoline:8 electric:2', ['T5', 'T7'], 2022),
    ],
  },
  {
    make: 'Mercedes-Benz',
    wmi: 'WDD',
    weight: 8,
    models: [
      model('A-Class', 'hatchback', 45, 1, 'gasoline:8 diesel:2', ['A220', 'A250 4MATIC', 'A35 AMG 4MATIC'], 2013),
      model('C-Class', 'sedan', 60, 5, 'gasoline:7 diesel:3', ['C200', 'C220d', 'C300 AMG Line']),
      model('E-Class', 'sedan', 78, 8, 'gasoline:6 diesel:3 hybrid:1', ['E250', 'E300 4MATIC', 'E220d', 'E350e']),
      model('S-Class', 'sedan', 150, 2, 'gasoline:7 diesel:3', ['S350d', 'S500 4MATIC', 'S580 4MATIC']),
      model('GLC', 'suv', 74, 3, 'diesel:5 gasoline:5', ['GLC 220d 4MATIC', 'GLC 300 4MATIC', 'GLC 300 Coupe'], 2015),
      model('GLE', 'suv', 110, 2, 'diesel:6 gasoline:4', ['GLE 300d 4MATIC', 'GLE 450 4MATIC'], 2015),
    ],
  },
  {
    make: 'BMW',
    wmi: 'WBA',
    weight: 8,
    models: [
      model('3 Series', 'sedan', 58, 5, 'gasoline:5 diesel:5', ['320i', '320d', '330i M Sport', 'M340i']),
      model('5 Series', 'sedan', 74, 7, 'gasoline:4 diesel:5 hybrid:1', ['520i', '520d', '530i xDrive', '530e', '540i xDrive']),
      model('7 Series', 'sedan', 150, 1, 'gasoline:6 diesel:4', ['730Ld xDrive', '740Li', '750Li xDrive']),
      model('X3', 'suv', 70, 3, 'diesel:6 gasoline:4', ['xDrive20d', 'xDrive30i M Sport']),
      model('X5', 'suv', 110, 3, 'diesel:6 gasoline:3 hybrid:1', ['xDrive30d', 'xDrive40i', 'xDrive45e']),
      model('X7', 'suv', 140, 1, 'diesel:5 gasoline:5', ['xDrive40d', 'xDrive40i'], 2019),
    ],
  },
  {
    make: 'Audi',
    wmi: 'WAU',
    weight: 3,
    models: [
      model('A4', 'sedan', 50, 3, 'diesel:5 gasoline:5', ['35 TDI', '40 TFSI', '45 TFSI quattro']),
      model('A6', 'sedan', 68, 4, 'diesel:5 gasoline:5', ['40 TDI', '45 TFSI quattro', '50 TDI quattro']),
      model('Q5', 'suv', 68, 2, 'diesel:6 gasoline:4', ['40 TDI quattro', '45 TFSI quattro'], 2009),
      model('Q7', 'suv', 95, 1, 'diesel:6 gasoline:4', ['45 TDI quattro', '55 TFSI quattro']),
      model('e-tron', 'suv', 115, 0.5, 'electric:1', ['50 quattro', '55 quattro'], 2019),
    ],
  },
  {
    make: 'Volkswagen',
    wmi: 'WVW',
    weight: 2,
    models: [
      model('Golf', 'hatchback', 35, 3, 'diesel:7 gasoline:3', ['2.0 TDI', '2.0 TDI Prestige', 'GTI']),
      model('Tiguan', 'suv', 42, 4, 'diesel:8 gasoline:2', ['2.0 TDI', '2.0 TDI Prestige', '2.0 TDI R-Line']),
      model('Passat', 'sedan', 43, 2, 'diesel:7 gasoline:3', ['2.0 TDI', '2.0 TDI GT', '2.0 TSI']),
      model('Arteon', 'sedan', 55, 1, 'diesel:7 gasoline:3', ['2.0 TDI Elegance', '2.0 TDI R-Line'], 2017),
      model('Jetta', 'sedan', 32, 1, 'gasoline:5 diesel:5', ['1.4 TSI Premium', '1.4 TSI Prestige']),
    ],
  },
  {
    make: 'Toyota',
    wmi: 'JTD',
    weight: 1.5,
    models: [
      model('Camry', 'sedan', 42, 4, 'hybrid:7 gasoline:3', ['2.5 XLE', '2.5 Hybrid XLE', '2.5 Hybrid XSE']),
      model('RAV4', 'suv', 40, 3, 'hybrid:8 gasoline:2', ['2.5 Hybrid 2WD', '2.5 Hybrid AWD'], 2013),
      model('Prius', 'hatchback', 35, 2, 'hybrid:1', ['E', 'S', 'S Touring']),
      model('Sienna', 'van', 65, 1, 'hybrid:8 gasoline:2', ['XLE', 'Limited AWD'], 2011),
    ],
  },
  {
    make: 'Lexus',
    wmi: 'JTH',
    weight: 1.5,
    models: [
      model('ES', 'sedan', 62, 5, 'hybrid:9 gasoline:1', ['ES300h Luxury', 'ES300h F Sport', 'ES300h Executive']),
      model('NX', 'suv', 65, 2, 'hybrid:9 gasoline:1', ['NX300h', 'NX350h', 'NX450h+'], 2014),
      model('RX', 'suv', 85, 1, 'hybrid:9 gasoline:1', ['RX450h', 'RX500h F Sport']),
    ],
  },
  {
    make: 'Volvo',
    wmi: 'YV1',
    weight: 1.5,
    models: [
      model('XC60', 'suv', 65, 3, 'gasoline:6 diesel:2 hybrid:2', ['B5 Momentum', 'B6 Inscription', 'T8 Recharge']),
      model('XC90', 'suv', 90, 2, 'gasoline:5 diesel:3 hybrid:2', ['B6 Inscription', 'T8 Recharge']),
      model('S90', 'sedan', 65, 1, 'gasoline:6 diesel:2 hybrid:2', ['B5 Inscription', 'B6 Inscription', 'T8 Recharge'], 2016),
    ],
  },
  {
    make: 'Porsche',
    wmi: 'WP1',
    weight: 0.6,
    models: [
      model('Cayenne', 'suv', 135, 3, 'gasoline:7 diesel:1 hybrid:2', ['Base', 'S', 'E-Hybrid', 'Turbo']),
      model('Macan', 'suv', 95, 2, 'gasoline:1', ['Base', 'S', 'GTS'], 2014),
      model('Panamera', 'sedan', 170, 1, 'gasoline:7 hybrid:3', ['4', '4S', '4 E-Hybrid'], 2009),
      model('911', 'coupe', 180, 1, 'gasoline:1', ['Carrera', 'Carrera S', 'Carrera 4S']),
    ],
  },
  {
    make: 'Tesla',
    wmi: '5YJ',
    weight: 1.2,
    models: [
      model('Model 3', 'sedan', 55, 3, 'electric:1', ['Standard Range Plus', 'Long Range', 'Performance'], 2019),
      model('Model Y', 'suv', 65, 3, 'electric:1', ['RWD', 'Long Range', 'Performance'], 2021),
    ],
  },
  {
    make: 'MINI',
    wmi: 'WMW',
    weight: 1,
    models: [
      model('Cooper', 'hatchback', 38, 3, 'gasoline:8 diesel:2', ['Cooper', 'Cooper S', 'JCW']),
      model('Countryman', 'suv', 45, 2, 'gasoline:7 diesel:3', ['Cooper', 'Cooper S ALL4', 'Cooper D'], 2011),
    ],
  },
  {
    make: 'Ford',
    wmi: '1FM',
    weight: 0.7,
    models: [
      model('Explorer', 'suv', 60, 3, 'gasoline:9 hybrid:1', ['XLT', 'Limited', 'Platinum']),
      model('Mustang', 'coupe', 55, 1, 'gasoline:1', ['2.3 EcoBoost', '5.0 GT'], 2015),
    ],
  },
  {
    make: 'Land Rover',
    wmi: 'SAL',
    weight: 0.7,
    models: [
      model('Range Rover Evoque', 'suv', 70, 2, 'diesel:6 gasoline:4', ['SE', 'HSE', 'R-Dynamic'], 2011),
      model('Discovery Sport', 'suv', 72, 2, 'diesel:8 gasoline:2', ['S', 'SE', 'HSE'], 2015),
    ],
  },
];

export const COLORS = ['White', 'Black', 'Gray', 'Silver', 'Pearl White', 'Blue', 'Red', 'Brown', 'Green', 'Beige'] as const;
export const COLOR_WEIGHTS = [30, 20, 12, 10, 10, 5, 3, 3, 2, 2];

/** Where the car stands, and the prefix of the dealer lot numbers there. */
export const LOCATIONS = [
  ['Seoul', 'SEL'],
  ['Incheon', 'ICN'],
  ['Suwon', 'SWN'],
  ['Goyang', 'GYG'],
  ['Seongnam', 'SNM'],
  ['Yongin', 'YGN'],
  ['Hwaseong', 'HWS'],
  ['Busan', 'PUS'],
  ['Daegu', 'TAE'],
  ['Daejeon', 'DJN'],
  ['Gwangju', 'KWJ'],
  ['Ulsan', 'USN'],
  ['Changwon', 'CWN'],
  ['Cheongju', 'CJJ'],
  ['Jeonju', 'JNJ'],
  ['Jeju', 'CJU'],
] as const;
export const LOCATION_WEIGHTS = [30, 10, 8, 5, 5, 5, 3, 8, 6, 5, 4, 3, 3, 2, 2, 1];
